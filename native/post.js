require('./launch.js').launch('post');
