package githubapi

import (
	"bytes"
	"context"
	"encoding/json"
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
// state) and writes through REST.
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

// GraphQLError is a query GitHub answered with errors.
type GraphQLError struct {
	Messages []string
	// Type is GitHub's error type of the first error (e.g. NOT_FOUND,
	// RATE_LIMITED).
	Type string
}

func (e *GraphQLError) Error() string {
	return "GitHub's GraphQL API answered: " + strings.Join(e.Messages, "; ")
}

type idempotentKey struct{}

// readOnly marks a request that reads, though it is a POST (a GraphQL
// query): the transport retries it like a GET and does not pace it as a
// write.
func readOnly(ctx context.Context) context.Context {
	return context.WithValue(ctx, idempotentKey{}, true)
}

func isReadOnly(req *http.Request) bool {
	v, _ := req.Context().Value(idempotentKey{}).(bool)
	return v
}

// Query runs query with variables and decodes its data into out.
func (g *GraphQL) Query(ctx context.Context, query string, variables map[string]any, out any) error {
	body, err := json.Marshal(map[string]any{"query": query, "variables": variables})
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(readOnly(ctx), http.MethodPost, g.url, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	resp, err := g.hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if err := github.CheckResponse(resp); err != nil {
		return err
	}
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	var answer struct {
		Data   json.RawMessage `json:"data"`
		Errors []struct {
			Message string `json:"message"`
			Type    string `json:"type"`
		} `json:"errors"`
	}
	if err := json.Unmarshal(data, &answer); err != nil {
		return &BadAnswerError{What: "the GraphQL answer is not JSON"}
	}
	if len(answer.Errors) > 0 {
		e := &GraphQLError{Type: answer.Errors[0].Type}
		for _, x := range answer.Errors {
			e.Messages = append(e.Messages, x.Message)
		}
		return e
	}
	if len(answer.Data) == 0 || string(answer.Data) == "null" {
		return &BadAnswerError{What: "the GraphQL answer has no data"}
	}
	return json.Unmarshal(answer.Data, out)
}
