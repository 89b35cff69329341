package release

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
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

// ManifestDigest fetches the manifest of name at reference (a tag or a
// digest) and returns the SHA-256 of the bytes served, after checking
// that the registry's Docker-Content-Digest header names the same.
func (r Registry) ManifestDigest(ctx context.Context, name, reference string) (string, error) {
	scheme := "https"
	if r.Insecure {
		scheme = "http"
	}
	u := fmt.Sprintf("%s://%s/v2/%s/manifests/%s", scheme, r.Host, name, reference)
	client := r.Client
	if client == nil {
		client = http.DefaultClient
	}
	get := func(token string) (*http.Response, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
		if err != nil {
			return nil, err
		}
		req.Header.Set("Accept", strings.Join(manifestTypes, ", "))
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		return client.Do(req)
	}
	resp, err := get("")
	if err != nil {
		return "", err
	}
	if resp.StatusCode == http.StatusUnauthorized {
		challenge := resp.Header.Get("WWW-Authenticate")
		resp.Body.Close()
		token, err := r.token(ctx, client, challenge)
		if err != nil {
			return "", fmt.Errorf("%s: %w", u, err)
		}
		if resp, err = get(token); err != nil {
			return "", err
		}
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	if err != nil {
		return "", err
	}
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("GET %s: %s: %.300s", u, resp.Status, body)
	}
	sum := sha256.Sum256(body)
	digest := "sha256:" + hex.EncodeToString(sum[:])
	if h := resp.Header.Get("Docker-Content-Digest"); h != "" && h != digest {
		return "", fmt.Errorf("GET %s: Docker-Content-Digest %s, but the manifest served hashes to %s", u, h, digest)
	}
	return digest, nil
}

var challengeParam = regexp.MustCompile(`(\w+)="([^"]*)"`)

// token answers a Bearer challenge (realm, service, scope) at its realm.
func (r Registry) token(ctx context.Context, client *http.Client, challenge string) (string, error) {
	if !strings.HasPrefix(strings.ToLower(challenge), "bearer ") {
		return "", fmt.Errorf("401 with challenge %q: want Bearer", challenge)
	}
	params := map[string]string{}
	for _, m := range challengeParam.FindAllStringSubmatch(challenge, -1) {
		params[m[1]] = m[2]
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
