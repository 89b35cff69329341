package release

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
)

var digestRE = regexp.MustCompile(`^sha256:[0-9a-f]{64}$`)

// The media types of an image's manifest and of an index of them, in
// Docker's v2 (schema 2) and OCI's spelling. docker push of an image the
// classic builder made sends a Docker v2 manifest; the release's index of
// those is a Docker manifest list, which every engine and registry reads
// (distribution 2.8, ghcr.io).
const (
	MediaTypeDockerManifest = "application/vnd.docker.distribution.manifest.v2+json"
	MediaTypeDockerList     = "application/vnd.docker.distribution.manifest.list.v2+json"
	mediaTypeOCIManifest    = "application/vnd.oci.image.manifest.v1+json"
	mediaTypeOCIIndex       = "application/vnd.oci.image.index.v1+json"
)

// imageTargets are the platforms of the release's image, an image each
// around that target's binary, in this order in the index.
var imageTargets = []Target{{"linux", "amd64"}, {"linux", "arm64"}}

// Platform is a descriptor's platform in an index.
type Platform struct {
	Architecture string `json:"architecture"`
	OS           string `json:"os"`
	Variant      string `json:"variant,omitempty"`
}

func (p Platform) String() string {
	s := p.OS + "/" + p.Architecture
	if p.Variant != "" {
		s += "/" + p.Variant
	}
	return s
}

// Descriptor names a manifest in the registry: its media type, digest
// and size, and in an index its platform.
type Descriptor struct {
	MediaType string    `json:"mediaType"`
	Digest    string    `json:"digest"`
	Size      int64     `json:"size"`
	Platform  *Platform `json:"platform,omitempty"`
}

// Index is an image index (Docker's manifest list, OCI's index).
type Index struct {
	SchemaVersion int          `json:"schemaVersion"`
	MediaType     string       `json:"mediaType"`
	Manifests     []Descriptor `json:"manifests"`
}

// buildIndex returns the index of manifests, one per platform, in the
// order given, and its media type: a Docker manifest list when they are
// all Docker v2 manifests, an OCI index when they are all OCI manifests.
// The bytes are what the release pushes; their SHA-256 is the digest
// action.yml pins.
func buildIndex(manifests []Descriptor) (mediaType string, body []byte, err error) {
	if len(manifests) == 0 {
		return "", nil, fmt.Errorf("an index of no manifests")
	}
	var platforms []string
	for _, m := range manifests {
		switch {
		case m.MediaType != MediaTypeDockerManifest && m.MediaType != mediaTypeOCIManifest:
			return "", nil, fmt.Errorf("manifest %s: media type %q, want an image manifest", m.Digest, m.MediaType)
		case m.MediaType != manifests[0].MediaType:
			return "", nil, fmt.Errorf("manifests of two media types, %s and %s", manifests[0].MediaType, m.MediaType)
		case !digestRE.MatchString(m.Digest) || m.Size <= 0:
			return "", nil, fmt.Errorf("manifest digest %q size %d", m.Digest, m.Size)
		case m.Platform == nil || m.Platform.OS == "" || m.Platform.Architecture == "":
			return "", nil, fmt.Errorf("manifest %s has no platform", m.Digest)
		case slices.Contains(platforms, m.Platform.String()):
			return "", nil, fmt.Errorf("two manifests for %s", m.Platform)
		}
		platforms = append(platforms, m.Platform.String())
	}
	mediaType = MediaTypeDockerList
	if manifests[0].MediaType == mediaTypeOCIManifest {
		mediaType = mediaTypeOCIIndex
	}
	body, err = json.MarshalIndent(Index{SchemaVersion: 2, MediaType: mediaType, Manifests: manifests}, "", "  ")
	return mediaType, body, err
}

// ParseIndex parses an index the registry served.
func ParseIndex(body []byte) (*Index, error) {
	var ix Index
	if err := json.Unmarshal(body, &ix); err != nil {
		return nil, fmt.Errorf("index: %w", err)
	}
	if ix.SchemaVersion != 2 || (ix.MediaType != MediaTypeDockerList && ix.MediaType != mediaTypeOCIIndex) {
		return nil, fmt.Errorf("index: schemaVersion %d, mediaType %q", ix.SchemaVersion, ix.MediaType)
	}
	return &ix, nil
}

// imageManifest is the descriptor, with platform p, of the image manifest
// docker push sent as m: m itself, or, when the engine pushed an index of
// one image (the containerd image store), the index's manifest for p.
func imageManifest(m *Manifest, p Platform) (Descriptor, error) {
	switch m.MediaType {
	case MediaTypeDockerManifest, mediaTypeOCIManifest:
		return Descriptor{MediaType: m.MediaType, Digest: m.Digest, Size: int64(len(m.Body)), Platform: &p}, nil
	case MediaTypeDockerList, mediaTypeOCIIndex:
		ix, err := ParseIndex(m.Body)
		if err != nil {
			return Descriptor{}, err
		}
		var found []Descriptor
		for _, d := range ix.Manifests {
			if d.Platform != nil && d.Platform.OS == p.OS && d.Platform.Architecture == p.Architecture {
				found = append(found, d)
			}
		}
		if len(found) != 1 || (found[0].MediaType != MediaTypeDockerManifest && found[0].MediaType != mediaTypeOCIManifest) {
			return Descriptor{}, fmt.Errorf("the index %s docker pushed has %d image manifests for %s, want one", m.Digest, len(found), p)
		}
		d := found[0]
		d.Platform = &p
		return d, nil
	}
	return Descriptor{}, fmt.Errorf("manifest %s: media type %q", m.Digest, m.MediaType)
}
