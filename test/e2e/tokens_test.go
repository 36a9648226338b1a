package e2e

import (
	"strings"
	"testing"
	"time"
)

// testTokens: a service account with the view role, through a token from
// `kubectl create token`, may get but not delete; `auth can-i --list` and
// `auth whoami` tell it what it is; the admin acts as others with --as.
func testTokens(t *testing.T, k *kubectl) {
	k.ok("create", "serviceaccount", "reader")
	k.ok("create", "rolebinding", "reader-view", "--clusterrole=view", "--serviceaccount="+k.ns+":reader")
	k.ok("create", "configmap", "cm", "--from-literal=a=b")
	token := strings.TrimSpace(k.ok("create", "token", "reader", "--duration=15m"))
	if strings.Count(token, ".") != 2 {
		t.Fatalf("create token printed %q; want a JWT", token)
	}
	cluster := strings.TrimSpace(k.ok("config", "view", "--minify", "-o", "jsonpath={.clusters[0].name}"))
	k.ok("config", "set-credentials", "reader", "--token="+token)
	k.ok("config", "set-context", "reader", "--cluster="+cluster, "--user=reader", "--namespace="+k.ns)
	user := "system:serviceaccount:" + k.ns + ":reader"

	t.Run("view-only token", func(t *testing.T) {
		eventually(t, k, "--context=reader", "get", "configmap", "cm")
		r := k.fails("--context=reader", "delete", "configmap", "cm")
		wantContains(t, "delete with a view token", r.stderr,
			`Error from server (Forbidden): configmaps "cm" is forbidden: User "`+user+`" cannot delete resource "configmaps" in API group "" in the namespace "`+k.ns+`"`)
		k.ok("get", "configmap", "cm")
	})
	t.Run("wrong token", func(t *testing.T) {
		r := k.fails("--context=reader", "--token=not-a-token", "get", "configmaps")
		wantContains(t, "wrong token", r.stderr, "error: You must be logged in to the server (Unauthorized)")
	})
	t.Run("can-i list", func(t *testing.T) {
		out := k.ok("--context=reader", "auth", "can-i", "--list")
		if !hasLine(out, "configmaps", "[get list watch]") {
			t.Errorf("can-i --list as reader:\n%s\nwant a configmaps line with [get list watch]", out)
		}
		wantOutput(t, k.run("--context=reader", "auth", "can-i", "delete", "configmaps"), "no")
		admin := k.ok("auth", "can-i", "--list")
		if !hasLine(admin, "*.*", "[*]") {
			t.Errorf("can-i --list as admin:\n%s\nwant a *.* line with [*]", admin)
		}
	})
	t.Run("whoami", func(t *testing.T) {
		if k.version < "1.28" {
			t.Skip("kubectl auth whoami arrived in 1.28")
		}
		tb := parseTable(t, k.ok("--context=reader", "auth", "whoami"))
		wantCells(t, tb.row(t, "ATTRIBUTE", "Username"), map[string]string{"VALUE": user})
		wantContains(t, "whoami groups", tb.row(t, "ATTRIBUTE", "Groups")["VALUE"], "system:serviceaccounts:"+k.ns, "system:authenticated")
		tb = parseTable(t, k.ok("auth", "whoami", "--as=alice", "--as-group=g"))
		wantCells(t, tb.row(t, "ATTRIBUTE", "Username"), map[string]string{"VALUE": "alice"})
		wantCells(t, tb.row(t, "ATTRIBUTE", "Groups"), map[string]string{"VALUE": "[g system:authenticated]"})
	})
	t.Run("as", func(t *testing.T) {
		r := k.fails("--as=alice", "--as-group=g", "get", "pods")
		wantContains(t, "get pods as alice", r.stderr,
			`pods is forbidden: User "alice" cannot list resource "pods" in API group "" in the namespace "`+k.ns+`"`)
		k.ok("create", "rolebinding", "g-view", "--clusterrole=view", "--group=g")
		eventually(t, k, "--as=alice", "--as-group=g", "get", "pods")
		r = k.fails("--context=reader", "--as=alice", "get", "pods")
		wantContains(t, "impersonate without the verb", r.stderr,
			`users "alice" is forbidden: User "`+user+`" cannot impersonate resource "users" in API group "" at the cluster scope`)
	})
}

// eventually runs kubectl until it exits 0 (RBAC changes reach the
// authorizer through informers, a moment after they are written).
func eventually(t *testing.T, k *kubectl, args ...string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		r := k.run(args...)
		if r.code == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("kubectl %s: exit %d\nstderr: %s", strings.Join(args, " "), r.code, r.stderr)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// hasLine reports whether a line of out starts with first and contains
// every one of rest.
func hasLine(out, first string, rest ...string) bool {
	for _, line := range strings.Split(out, "\n") {
		if !strings.HasPrefix(line, first+" ") {
			continue
		}
		ok := true
		for _, r := range rest {
			ok = ok && strings.Contains(line, r)
		}
		if ok {
			return true
		}
	}
	return false
}
