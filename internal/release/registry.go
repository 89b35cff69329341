package release

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
)

// manifestTypes are the manifest media types a registry may serve for an
// image docker pushed: a single-platform manifest, or an index.
var manifestTypes = []string{
	"application/vnd.docker.distribution.manifest.v2+json",
	"application/vnd.docker.distribution.manifest.list.v2+json",
	"application/vnd.oci.image.manifest.v1+json",
	"application/vnd.oci.image.index.v1+json",
}

// Registry reads manifests from a registry's HTTP API (distribution's v2
// API, as ghcr.io and docker-registry serve it).
type Registry struct {
	Host string // 127.0.0.1:5000, ghcr.io
	// Insecure uses http (a local registry); else https.
	Insecure bool
	// User and Password, when set, are sent to the token endpoint a 401
	// names (ghcr.io: the actor and GITHUB_TOKEN); else the token is
	// asked for anonymously (a public package).
	User, Password string
	Client         *http.Client
}

// Manifest is a manifest as the registry served it.
type Manifest struct {
	MediaType string // Content-Type, else the body's mediaType
	Digest    string // sha256 of Body
	Body      []byte
}

// manifestDigest fetches the manifest of name at reference (a tag or a
// digest) and returns the SHA-256 of the bytes served, after checking
// that the registry's Docker-Content-Digest header names the same.
func (r Registry) manifestDigest(ctx context.Context, name, reference string) (string, error) {
	m, err := r.Manifest(ctx, name, reference)
	if err != nil {
		return "", err
	}
	return m.Digest, nil
}

func (r Registry) manifestURL(name, reference string) string {
	scheme := "https"
	if r.Insecure {
		scheme = "http"
	}
	return fmt.Sprintf("%s://%s/v2/%s/manifests/%s", scheme, r.Host, name, reference)
}

// do sends the request newReq makes; on a 401 it asks the challenge's
// token endpoint for a token (for scope, when set, instead of the
// challenge's: a push needs pull,push) and sends it again with it.
func (r Registry) do(ctx context.Context, scope string, newReq func(token string) (*http.Request, error)) (*http.Response, error) {
	client := r.Client
	if client == nil {
		client = http.DefaultClient
	}
	req, err := newReq("")
	if err != nil {
		return nil, err
	}
	resp, err := client.Do(req)
	if err != nil || resp.StatusCode != http.StatusUnauthorized {
		return resp, err
	}
	challenge := resp.Header.Get("WWW-Authenticate")
	resp.Body.Close()
	token, err := r.token(ctx, client, challenge, scope)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", req.Method, req.URL, err)
	}
	if req, err = newReq(token); err != nil {
		return nil, err
	}
	return client.Do(req)
}

// Manifest fetches the manifest of name at reference (a tag or a digest):
// the bytes served, their SHA-256, which the registry's
// Docker-Content-Digest header must name, and the media type.
func (r Registry) Manifest(ctx context.Context, name, reference string) (*Manifest, error) {
	u := r.manifestURL(name, reference)
	resp, err := r.do(ctx, "", func(token string) (*http.Request, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
		if err != nil {
			return nil, err
		}
		req.Header.Set("Accept", strings.Join(manifestTypes, ", "))
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		return req, nil
	})
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %s: %.300s", u, resp.Status, body)
	}
	m := &Manifest{Digest: sha256Digest(body), Body: body}
	if h := resp.Header.Get("Docker-Content-Digest"); h != "" && h != m.Digest {
		return nil, fmt.Errorf("GET %s: Docker-Content-Digest %s, but the manifest served hashes to %s", u, h, m.Digest)
	}
	if strings.HasPrefix(reference, "sha256:") && reference != m.Digest {
		return nil, fmt.Errorf("GET %s: the manifest served hashes to %s", u, m.Digest)
	}
	m.MediaType, _, _ = strings.Cut(resp.Header.Get("Content-Type"), ";")
	var typed struct {
		MediaType string `json:"mediaType"`
	}
	if json.Unmarshal(body, &typed) == nil && typed.MediaType != "" {
		if m.MediaType != typed.MediaType && slices.Contains(manifestTypes, m.MediaType) {
			return nil, fmt.Errorf("GET %s: Content-Type %s, but the manifest says %s", u, m.MediaType, typed.MediaType)
		}
		m.MediaType = typed.MediaType
	}
	if !slices.Contains(manifestTypes, m.MediaType) {
		return nil, fmt.Errorf("GET %s: media type %q", u, m.MediaType)
	}
	return m, nil
}

// putManifest uploads body, of mediaType, as the manifest of name at
// reference (a tag) and returns its digest, the SHA-256 of body, after
// checking that the registry's Docker-Content-Digest says the same. The
// manifests an index names must be in the repository already.
func (r Registry) putManifest(ctx context.Context, name, reference, mediaType string, body []byte) (string, error) {
	u := r.manifestURL(name, reference)
	resp, err := r.do(ctx, "repository:"+name+":pull,push", func(token string) (*http.Request, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodPut, u, bytes.NewReader(body))
		if err != nil {
			return nil, err
		}
		req.Header.Set("Content-Type", mediaType)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		return req, nil
	})
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	msg, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode != http.StatusCreated && resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("PUT %s: %s: %.300s", u, resp.Status, msg)
	}
	digest := sha256Digest(body)
	if h := resp.Header.Get("Docker-Content-Digest"); h != "" && h != digest {
		return "", fmt.Errorf("PUT %s: Docker-Content-Digest %s, but the manifest sent hashes to %s", u, h, digest)
	}
	return digest, nil
}

func sha256Digest(b []byte) string {
	sum := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(sum[:])
}

var challengeParam = regexp.MustCompile(`(\w+)="([^"]*)"`)

// token answers a Bearer challenge (realm, service, scope) at its realm,
// for scope instead of the challenge's when scope is set.
func (r Registry) token(ctx context.Context, client *http.Client, challenge, scope string) (string, error) {
	if !strings.HasPrefix(strings.ToLower(challenge), "bearer ") {
		return "", fmt.Errorf("401 with challenge %q: want Bearer", challenge)
	}
	params := map[string]string{}
	for _, m := range challengeParam.FindAllStringSubmatch(challenge, -1) {
		params[m[1]] = m[2]
	}
	if scope != "" {
		params["scope"] = scope
	}
	realm, err := url.Parse(params["realm"])
	if err != nil || realm.Scheme == "" {
		return "", fmt.Errorf("401 with challenge %q: no realm", challenge)
	}
	q := realm.Query()
	for _, k := range []string{"service", "scope"} {
		if params[k] != "" {
			q.Set(k, params[k])
		}
	}
	realm.RawQuery = q.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, realm.String(), nil)
	if err != nil {
		return "", err
	}
	if r.User != "" || r.Password != "" {
		req.SetBasicAuth(r.User, r.Password)
	}
	resp, err := client.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	var t struct {
		Token       string `json:"token"`
		AccessToken string `json:"access_token"`
	}
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("token from %s: %s", realm.Host, resp.Status)
	}
	if err := json.NewDecoder(resp.Body).Decode(&t); err != nil {
		return "", fmt.Errorf("token from %s: %w", realm.Host, err)
	}
	if t.Token == "" {
		t.Token = t.AccessToken
	}
	return t.Token, nil
}

func sha256Sum(b []byte) [32]byte { return sha256.Sum256(b) }
