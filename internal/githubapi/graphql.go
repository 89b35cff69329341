package githubapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/google/go-github/v60/github"
)

// GraphQL sends queries to GitHub's GraphQL API over the same client as
// the REST calls: the same guard, token, retries and rate-limit waits. The
// action reads through it (one query returns 100 deployments with their
// state) and writes through REST. Shaped like go-gh's GraphQL client: a
// query string and its variables in, decoded data out, GitHub's errors as
// a *GraphQLError.
//
// It neither retries nor waits: the transport under it does, for GraphQL's
// own failures that come as 200 answers too (a RATE_LIMITED error, and
// "Something went wrong while executing your query"; failures.go).
type GraphQL struct {
	hc  *http.Client
	url string
}

// GraphQLURL is the GraphQL endpoint for the REST API root apiURL:
// https://api.github.com/graphql, https://api.SUB.ghe.com/graphql, and
// https://HOST/api/graphql on GHES (whose API root is https://HOST/api/v3).
func GraphQLURL(apiURL string) string {
	u := strings.TrimRight(apiURL, "/")
	if strings.HasSuffix(u, "/api/v3") {
		return strings.TrimSuffix(u, "/v3") + "/graphql"
	}
	return u + "/graphql"
}

// PathOf is the escaped path of URL u ("" when it does not parse).
func PathOf(u string) string {
	p, err := url.Parse(u)
	if err != nil {
		return ""
	}
	return p.EscapedPath()
}

// NewGraphQL returns a GraphQL client on gh's HTTP client for endpoint
// (GITHUB_GRAPHQL_URL, or GraphQLURL of the API root).
func NewGraphQL(gh *github.Client, endpoint string) (*GraphQL, error) {
	u, err := url.Parse(endpoint)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("GITHUB_GRAPHQL_URL %q is not an http(s) URL such as https://api.github.com/graphql", endpoint)
	}
	return &GraphQL{hc: gh.Client(), url: u.String()}, nil
}

// How much of GitHub's error messages an error carries: a hostile answer
// cannot blow up a log line.
const (
	maxGraphQLMessages   = 5
	maxGraphQLMessageLen = 200
)

// GraphQLError is a query GitHub answered with errors.
type GraphQLError struct {
	// Errors are GitHub's errors, each with its type, path and message
	// (bounded, as Messages).
	Errors []GraphQLErrorItem
	// Messages are GitHub's messages, at most a few, each cut to about
	// 200 characters, control characters replaced by spaces.
	Messages []string
	// More counts the errors left out of Messages.
	More int
	// Type is GitHub's error type of the first error (e.g. NOT_FOUND,
	// RATE_LIMITED, FORBIDDEN), or its extensions.code when it has no type
	// (a query GitHub could not parse or validate).
	Type string
}

// GraphQLErrorItem is one of GitHub's errors: its type (or extensions.code),
// its path joined with "." (list indices as numbers), and its message.
type GraphQLErrorItem struct {
	Type, Path, Message string
}

func (e *GraphQLError) Error() string {
	s := "GitHub's GraphQL API answered: " + strings.Join(e.Messages, "; ")
	if e.More > 0 {
		s += fmt.Sprintf("; and %d more errors", e.More)
	}
	return s
}

// Match reports whether one of the errors has type typ at path; a path
// ending in "." matches every path under it (go-gh's Match).
func (e *GraphQLError) Match(typ, path string) bool {
	for _, x := range e.Errors {
		if x.Type != typ {
			continue
		}
		if x.Path == path || (strings.HasSuffix(path, ".") && strings.HasPrefix(x.Path, path)) {
			return true
		}
	}
	return false
}

// NotFound reports whether GitHub could not resolve the field at path
// (answered null there with a NOT_FOUND error).
func (e *GraphQLError) NotFound(path string) bool { return e.Match("NOT_FOUND", path) }

// Query runs query with variables and decodes its data into out. Any error
// in GitHub's answer fails it, a field GitHub could not resolve included
// (a *GraphQLError of Type NOT_FOUND).
func (g *GraphQL) Query(ctx context.Context, query string, variables map[string]any, out any) error {
	nf, err := g.do(ctx, query, variables, out)
	if err == nil && nf != nil {
		return nf
	}
	return err
}

// QueryPartial runs query with variables and decodes its data into out,
// allowing fields GitHub could not resolve: GitHub answers such a field
// with null in data and a NOT_FOUND error with the field's path. When
// every error in the answer is such a NOT_FOUND, QueryPartial returns
// their paths joined with "." ("repository.pr5"; list indices as numbers)
// and the rest of data is good. Any other error fails the call with a
// *GraphQLError.
func (g *GraphQL) QueryPartial(ctx context.Context, query string, variables map[string]any, out any) (notFound []string, err error) {
	nf, err := g.do(ctx, query, variables, out)
	if err != nil || nf == nil {
		return nil, err
	}
	for _, x := range nf.Errors {
		notFound = append(notFound, x.Path)
	}
	return notFound, nil
}

// gqlError is one entry of an answer's errors.
type gqlError struct {
	Message    string            `json:"message"`
	Type       string            `json:"type"`
	Path       []json.RawMessage `json:"path"`
	Extensions struct {
		Code string `json:"code"`
	} `json:"extensions"`
}

type gqlAnswer struct {
	Data   json.RawMessage `json:"data"`
	Errors []gqlError      `json:"errors"`
}

// do sends the query and decodes the answer. It returns, when the only
// errors are NOT_FOUND ones with a path, those as a *GraphQLError.
func (g *GraphQL) do(ctx context.Context, query string, variables map[string]any, out any) (*GraphQLError, error) {
	body, err := json.Marshal(map[string]any{"query": query, "variables": variables})
	if err != nil {
		return nil, err
	}
	ans, err := g.post(ctx, body)
	if err != nil {
		return nil, err
	}
	noData := len(ans.Data) == 0 || string(ans.Data) == "null"
	for _, e := range ans.Errors {
		if e.Type != "NOT_FOUND" || len(e.Path) == 0 || noData {
			return nil, graphQLError(ans.Errors)
		}
	}
	if noData {
		return nil, &BadAnswerError{What: "the GraphQL answer has no data"}
	}
	if err := decodeData(ans.Data, out); err != nil {
		return nil, err
	}
	if len(ans.Errors) == 0 {
		return nil, nil
	}
	return graphQLError(ans.Errors), nil
}

// post sends the query once (the transport under it may try it several
// times) and reads GitHub's answer.
func (g *GraphQL) post(ctx context.Context, body []byte) (*gqlAnswer, error) {
	req, err := http.NewRequestWithContext(readOnly(ctx), http.MethodPost, g.url, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	resp, err := g.hc.Do(req)
	if err != nil {
		// What the transport made of GitHub's GraphQL answers is GitHub's
		// word, not the connection's: it is not wrapped in the URL.
		var ue *url.Error
		if errors.As(err, &ue) && fromGraphQLAnswer(ue.Err) {
			return nil, ue.Err
		}
		return nil, err
	}
	defer resp.Body.Close()
	if err := github.CheckResponse(resp); err != nil {
		return nil, err
	}
	// The transport already cuts the body at MaxAnswer; this holds for a
	// client without it too.
	data, err := io.ReadAll(io.LimitReader(resp.Body, MaxAnswer+1))
	if err != nil {
		return nil, err
	}
	if len(data) > MaxAnswer {
		return nil, ErrAnswerTooLarge
	}
	return parseAnswer(data)
}

// parseAnswer reads a GraphQL answer: an object with data and a list of
// errors.
func parseAnswer(data []byte) (*gqlAnswer, error) {
	var ans gqlAnswer
	if err := json.Unmarshal(data, &ans); err != nil {
		var syn *json.SyntaxError
		if errors.As(err, &syn) || !json.Valid(data) {
			return nil, &BadAnswerError{What: "the GraphQL answer is not JSON"}
		}
		return nil, &BadAnswerError{What: "the GraphQL answer is not in GraphQL's form (an object with data and a list of errors)"}
	}
	return &ans, nil
}

// graphQLError is GitHub's errors, bounded.
func graphQLError(errs []gqlError) *GraphQLError {
	e := &GraphQLError{}
	for i, x := range errs {
		typ := x.Type
		if typ == "" {
			typ = x.Extensions.Code
		}
		m := bound(x.Message, maxGraphQLMessageLen)
		if m == "" {
			m = "(an error without a message)"
		}
		e.Errors = append(e.Errors, GraphQLErrorItem{Type: bound(typ, 64), Path: joinPath(x.Path), Message: m})
		if i < maxGraphQLMessages {
			e.Messages = append(e.Messages, m)
		}
	}
	if len(e.Errors) > 0 {
		e.Type = e.Errors[0].Type
	}
	e.More = len(errs) - len(e.Messages)
	return e
}

// joinPath is a GraphQL error's path joined with ".": names as they are,
// list indices as numbers.
func joinPath(path []json.RawMessage) string {
	parts := make([]string, 0, len(path))
	for _, raw := range path {
		var s string
		if err := json.Unmarshal(raw, &s); err == nil {
			parts = append(parts, s)
			continue
		}
		var n json.Number
		if err := json.Unmarshal(raw, &n); err == nil {
			parts = append(parts, n.String())
			continue
		}
		parts = append(parts, "?")
	}
	return bound(strings.Join(parts, "."), maxGraphQLMessageLen)
}
