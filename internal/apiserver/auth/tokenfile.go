package auth

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
)

// TokenFile authenticates the static bearer tokens of a
// --token-auth-file, upstream's CSV format: one user a line,
//
//	token,user,uid,"group1,group2"
//
// with the groups column optional. It is read once, at start.
type TokenFile struct {
	users map[string]User
}

var _ TokenAuthenticator = (*TokenFile)(nil)

// LoadTokenFile reads a token file.
func LoadTokenFile(path string) (*TokenFile, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	tf, err := ParseTokenFile(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return tf, nil
}

// ParseTokenFile reads a token file's CSV. A line with fewer than three
// columns or an empty token or user is an error; a token listed twice
// keeps its last line, as upstream.
func ParseTokenFile(r io.Reader) (*TokenFile, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true
	cr.Comment = '#'
	tf := &TokenFile{users: map[string]User{}}
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return tf, nil
		}
		if err != nil {
			return nil, err
		}
		line, _ := cr.FieldPos(0)
		if len(rec) < 3 {
			return nil, fmt.Errorf("line %d: token file entries must have at least 3 columns (token,user,uid), found %d", line, len(rec))
		}
		if rec[0] == "" || rec[1] == "" {
			return nil, fmt.Errorf("line %d: token and user must not be empty", line)
		}
		u := User{Name: rec[1], UID: rec[2]}
		if len(rec) > 3 {
			for _, g := range strings.Split(rec[3], ",") {
				if g = strings.TrimSpace(g); g != "" {
					u.Groups = append(u.Groups, g)
				}
			}
		}
		tf.users[rec[0]] = u
	}
}

// AuthenticateToken returns the user of a listed token. An unlisted token
// is not ok, for the next authenticator to try.
func (tf *TokenFile) AuthenticateToken(_ context.Context, token string) (User, bool, error) {
	u, ok := tf.users[token]
	if !ok {
		return User{}, false, nil
	}
	u.Groups = append([]string(nil), u.Groups...)
	return u, true, nil
}
