package storage

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
)

// continueToken is the opaque list continuation, in upstream's format:
// base64url(JSON{"v":"meta.k8s.io/v1","rv":N,"start":"<key after prefix>\x00"}).
type continueToken struct {
	APIVersion      string `json:"v"`
	ResourceVersion int64  `json:"rv"`
	StartKey        string `json:"start"`
}

const continueAPIVersion = "meta.k8s.io/v1"

// continueExpiredMessage is upstream's message for a compacted continue token.
const continueExpiredMessage = "The provided continue parameter is too old to display a consistent list result. " +
	"You can start a new list without the continue parameter, or use the continue token in this response to " +
	"retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - " +
	"objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list."

// encodeContinue returns the token continuing a list under prefix after key
// at revision rev.
func encodeContinue(key, prefix string, rev int64) (string, error) {
	out, err := json.Marshal(continueToken{
		APIVersion:      continueAPIVersion,
		ResourceVersion: rev,
		StartKey:        strings.TrimPrefix(key, prefix) + "\x00",
	})
	if err != nil {
		return "", apierrors.NewInternalError(err)
	}
	return base64.RawURLEncoding.EncodeToString(out), nil
}

// decodeContinue returns the full start key and revision of a token for a
// list under prefix.
func decodeContinue(token, prefix string) (string, int64, error) {
	data, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil {
		return "", 0, badContinue(err)
	}
	var c continueToken
	if err := json.Unmarshal(data, &c); err != nil {
		return "", 0, badContinue(err)
	}
	switch {
	case c.APIVersion != continueAPIVersion:
		return "", 0, badContinue(fmt.Errorf("unknown version %q", c.APIVersion))
	case c.ResourceVersion <= 0:
		return "", 0, badContinue(fmt.Errorf("invalid resource version %d", c.ResourceVersion))
	case c.StartKey == "":
		return "", 0, badContinue(fmt.Errorf("empty start key"))
	}
	// prefix+StartKey always stays inside prefix: etcd keys are plain strings.
	return prefix + c.StartKey, c.ResourceVersion, nil
}

func badContinue(err error) error {
	return apierrors.NewBadRequest(fmt.Sprintf("continue key is not valid: %v", err))
}
