package defaults

import (
	"regexp"
	"strings"

	corev1 "k8s.io/api/core/v1"
)

// The grammar of a normalized image reference, as the container tooling
// upstream parses it with: [domain[:port]/]path[:tag][@digest].
const (
	refAlnum      = `[a-z0-9]+`
	refSeparator  = `(?:[._]|__|[-]+)`
	refPathPart   = refAlnum + `(?:` + refSeparator + refAlnum + `)*`
	refDomainPart = `(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])`
	refHost       = `(?:` + refDomainPart + `(?:\.` + refDomainPart + `)*|\[[a-fA-F0-9:]+\])`
	refName       = `(?:` + refHost + `(?::[0-9]+)?/)?` + refPathPart + `(?:/` + refPathPart + `)*`
	refTag        = `[\w][\w.-]{0,127}`
	refDigest     = `[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}`
)

// Image-name defaults upstream applies before parsing.
const (
	defaultRegistry    = "docker.io"
	legacyRegistry     = "index.docker.io"
	officialRepoPrefix = "library/"
	defaultImageTag    = "latest"
	maxRepoPathLength  = 255
)

var (
	referencePattern  = regexp.MustCompile(`^(` + refName + `)(?::(` + refTag + `))?(?:@(` + refDigest + `))?$`)
	bareIDPattern     = regexp.MustCompile(`^[a-f0-9]{64}$`)
	digestHexPatterns = map[string]*regexp.Regexp{
		"sha256": regexp.MustCompile(`^[a-f0-9]{64}$`),
		"sha384": regexp.MustCompile(`^[a-f0-9]{96}$`),
		"sha512": regexp.MustCompile(`^[a-f0-9]{128}$`),
	}
)

// pullPolicyFor returns upstream's default pull policy for an image:
// Always when the reference names the tag "latest" (an untagged reference
// without digest counts as "latest"), IfNotPresent otherwise, including
// for references that do not parse.
func pullPolicyFor(image string) corev1.PullPolicy {
	if tag, ok := imageTag(image); ok && tag == defaultImageTag {
		return corev1.PullAlways
	}
	return corev1.PullIfNotPresent
}

// imageTag returns the tag of a normalized image reference, "latest" for
// one with neither tag nor digest, and false when the reference is invalid.
func imageTag(image string) (string, bool) {
	if bareIDPattern.MatchString(image) {
		return "", false
	}
	domain, remainder := splitRegistry(image)
	if repo, _, _ := strings.Cut(remainder, ":"); strings.ToLower(repo) != repo {
		return "", false
	}
	m := referencePattern.FindStringSubmatch(domain + "/" + remainder)
	if m == nil || len(strings.TrimPrefix(m[1], domain+"/")) > maxRepoPathLength {
		return "", false
	}
	tag, digest := m[2], m[3]
	if digest != "" && !validDigest(digest) {
		return "", false
	}
	if tag == "" && digest == "" {
		tag = defaultImageTag
	}
	return tag, true
}

// splitRegistry splits an image name into its registry and the rest, the
// way docker-style names are normalized: a first component without a dot,
// a colon or upper-case letters (other than "localhost") is a path on
// docker.io, and single-component names there live under "library/".
func splitRegistry(name string) (domain, remainder string) {
	first, rest, found := strings.Cut(name, "/")
	if !found || (!strings.ContainsAny(first, ".:") && first != "localhost" && strings.ToLower(first) == first) {
		domain, remainder = defaultRegistry, name
	} else {
		domain, remainder = first, rest
	}
	if domain == legacyRegistry {
		domain = defaultRegistry
	}
	if domain == defaultRegistry && !strings.Contains(remainder, "/") {
		remainder = officialRepoPrefix + remainder
	}
	return domain, remainder
}

// validDigest reports whether a digest names a supported algorithm with an
// encoded value of the right length and lower-case hex.
func validDigest(d string) bool {
	algorithm, encoded, _ := strings.Cut(d, ":")
	p, ok := digestHexPatterns[algorithm]
	return ok && p.MatchString(encoded)
}
