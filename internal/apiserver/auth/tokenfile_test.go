package auth

import (
	"context"
	"reflect"
	"strings"
	"testing"
)

func TestParseTokenFile(t *testing.T) {
	tests := []struct {
		name    string
		file    string
		token   string
		want    User
		wantOK  bool
		wantErr string
	}{
		{name: "groups", file: "t1,alice,uid-1,\"dev,ops\"\n", token: "t1",
			want: User{Name: "alice", UID: "uid-1", Groups: []string{"dev", "ops"}}, wantOK: true},
		{name: "no groups column", file: "t2,bob,uid-2\n", token: "t2", want: User{Name: "bob", UID: "uid-2"}, wantOK: true},
		{name: "spaces and comments", file: "# header\nt3, carol, 3, \"a, b\"\n", token: "t3",
			want: User{Name: "carol", UID: "3", Groups: []string{"a", "b"}}, wantOK: true},
		{name: "later line wins", file: "t,a,1\nt,b,2\n", token: "t", want: User{Name: "b", UID: "2"}, wantOK: true},
		{name: "unknown token", file: "t1,alice,1\n", token: "nope"},
		{name: "too few columns", file: "t1,alice\n", wantErr: "at least 3 columns"},
		{name: "empty user", file: "t1,,1\n", wantErr: "must not be empty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tf, err := ParseTokenFile(strings.NewReader(tt.file))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("ParseTokenFile: got %v; want error containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got, ok, err := tf.AuthenticateToken(context.Background(), tt.token)
			if err != nil || ok != tt.wantOK || !reflect.DeepEqual(got, tt.want) {
				t.Errorf("AuthenticateToken(%q) = %+v, %v, %v; want %+v, %v", tt.token, got, ok, err, tt.want, tt.wantOK)
			}
		})
	}
}
