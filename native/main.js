require('./launch.js').launch('main');
