package githubapi

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
)

// The token goes to the API host and nowhere else, and requests go to the
// repository's deployment and environment endpoints and nowhere else. The
// guard sits above the token (oauth2.Transport), so a request it refuses
// never gets an Authorization header, and http.Client's redirects pass
// through it hop by hop.

// MaxAnswer is the largest answer body the action reads; a larger one is
// an error, not an out-of-memory.
const MaxAnswer = 8 << 20

// maxRedirects bounds the redirects one request follows (GitHub answers
// 301 and 307 for renamed repositories, once).
const maxRedirects = 5

// ErrAnswerTooLarge is an answer body longer than MaxAnswer.
var ErrAnswerTooLarge = fmt.Errorf("GitHub's answer is larger than %d MiB", MaxAnswer>>20)

// OffLimitsError is a request the guard refused to send: to a host other
// than the API's, or to a path outside the repository's deployments and
// environments. Retrying cannot help.
type OffLimitsError struct {
	Method string
	URL    string
	why    string
}

func (e *OffLimitsError) Error() string {
	return fmt.Sprintf("refused to send %s %s: %s", e.Method, e.URL, e.why)
}

// BadAnswerError is a 2xx answer that is not an answer: an empty body, or
// one that lacks what the call needs (an id, a state). For a write, GitHub
// may still have acted on it, so it is checked for like a lost answer.
type BadAnswerError struct{ What string }

func (e *BadAnswerError) Error() string {
	return "GitHub's answer was not usable: " + e.What
}

// guard refuses every request that does not go to the API root's scheme
// and host or that leaves the allowed paths, then hands the others to
// next (which adds the token).
type guard struct {
	api   *url.URL
	scope *Scope
	next  http.RoundTripper
}

func (g *guard) RoundTrip(req *http.Request) (*http.Response, error) {
	if !sameOrigin(req.URL, g.api) {
		return nil, &OffLimitsError{Method: req.Method, URL: hostOf(req.URL), why: "only " + hostOf(g.api) + " (GITHUB_API_URL) is sent requests and the token"}
	}
	if g.scope != nil {
		if err := g.scope.check(req.Method, g.api, req.URL); err != nil {
			return nil, &OffLimitsError{Method: req.Method, URL: req.URL.EscapedPath(), why: err.Error()}
		}
	}
	return g.next.RoundTrip(req)
}

// checkRedirect follows redirects on the API host only (GitHub's answers
// for renamed repositories), and refuses one to any other host or scheme:
// the token must not go there, and nothing we call lives there.
func checkRedirect(api *url.URL, log func(string, ...any)) func(*http.Request, []*http.Request) error {
	return func(req *http.Request, via []*http.Request) error {
		from := via[len(via)-1]
		if !sameOrigin(req.URL, api) {
			return &OffLimitsError{Method: from.Method, URL: from.URL.EscapedPath(),
				why: fmt.Sprintf("GitHub redirected it to another host, %s; the action follows redirects on %s only, so the token is not sent there", hostOf(req.URL), hostOf(api))}
		}
		if len(via) > maxRedirects {
			return &OffLimitsError{Method: from.Method, URL: from.URL.EscapedPath(), why: fmt.Sprintf("more than %d redirects", maxRedirects)}
		}
		if log != nil {
			log("GitHub redirected %s %s to %s", from.Method, from.URL.EscapedPath(), req.URL.EscapedPath())
		}
		return nil
	}
}

func sameOrigin(u, api *url.URL) bool {
	return strings.EqualFold(u.Scheme, api.Scheme) && strings.EqualFold(u.Host, api.Host)
}

func hostOf(u *url.URL) string { return u.Scheme + "://" + u.Host }

// Scope is the set of paths the action may call for one repository: its
// deployments and environments, under /repos/OWNER/REPO/ or (where GitHub
// redirects a renamed repository) /repositories/ID/.
type Scope struct {
	Owner, Repo string
	// GraphQLPath is the GraphQL endpoint's path (/graphql, or
	// /api/graphql on GHES), allowed for POST.
	GraphQLPath string
}

var repoID = regexp.MustCompile(`^[0-9]{1,20}$`)

func (s *Scope) check(method string, api, u *url.URL) error {
	root := strings.TrimRight(api.EscapedPath(), "/")
	p := u.EscapedPath()
	if s.GraphQLPath != "" && p == s.GraphQLPath {
		if method != http.MethodPost {
			return errors.New("the GraphQL endpoint takes POST only")
		}
		return nil
	}
	if !strings.HasPrefix(p, root+"/") {
		return fmt.Errorf("the path is outside the API root %s", root+"/")
	}
	segs := strings.Split(strings.TrimPrefix(p, root+"/"), "/")
	for _, seg := range segs {
		dec, err := url.PathUnescape(seg)
		if err != nil || dec == "." || dec == ".." || seg == "" {
			return errors.New("the path has an empty, dot or malformed segment")
		}
	}
	var rest []string
	switch {
	case len(segs) >= 4 && segs[0] == "repos" && strings.EqualFold(segs[1], s.Owner) && strings.EqualFold(segs[2], s.Repo):
		rest = segs[3:]
	case len(segs) >= 3 && segs[0] == "repositories" && repoID.MatchString(segs[1]):
		rest = segs[2:]
	default:
		return fmt.Errorf("the action calls only the endpoints of %s/%s", s.Owner, s.Repo)
	}
	switch {
	case rest[0] == "deployments" && len(rest) <= 4:
		return nil
	case rest[0] == "environments" && len(rest) == 2:
		return nil
	}
	return fmt.Errorf("the action calls only the deployments and environments endpoints of %s/%s", s.Owner, s.Repo)
}

// limitedBody fails a read past MaxAnswer bytes.
type limitedBody struct {
	io.ReadCloser
	left int64
}

func (l *limitedBody) Read(p []byte) (int, error) {
	if l.left <= 0 {
		// One byte more tells a body of exactly MaxAnswer from a longer one.
		var one [1]byte
		if n, _ := l.ReadCloser.Read(one[:]); n > 0 {
			return 0, ErrAnswerTooLarge
		}
		return 0, io.EOF
	}
	if int64(len(p)) > l.left {
		p = p[:l.left]
	}
	n, err := l.ReadCloser.Read(p)
	l.left -= int64(n)
	return n, err
}
