package e2e

import (
	"regexp"
	"strings"
	"testing"
)

// table is one kubectl table: its headers in order and one map per row,
// keyed by header.
type table struct {
	headers []string
	rows    []map[string]string
}

// headerWord finds the headers of a table line: words joined by single
// spaces ("LAST SEEN") and separated by two or more.
var headerWord = regexp.MustCompile(`\S+( \S+)*`)

// parseTable reads the first table of kubectl's output. Cells are cut at
// the column offsets of the header line, as kubectl's tabwriter aligns
// them, so empty cells keep their place.
func parseTable(t *testing.T, out string) table {
	t.Helper()
	lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
	if len(lines) == 0 || lines[0] == "" {
		t.Fatalf("no table in output %q", out)
	}
	locs := headerWord.FindAllStringIndex(lines[0], -1)
	var tb table
	for _, loc := range locs {
		tb.headers = append(tb.headers, lines[0][loc[0]:loc[1]])
	}
	for _, line := range lines[1:] {
		if strings.TrimSpace(line) == "" {
			break
		}
		row := map[string]string{}
		for i, loc := range locs {
			end := len(line)
			if i+1 < len(locs) && locs[i+1][0] < end {
				end = locs[i+1][0]
			}
			if loc[0] < len(line) {
				row[tb.headers[i]] = strings.TrimSpace(line[loc[0]:end])
			}
		}
		tb.rows = append(tb.rows, row)
	}
	return tb
}

// row returns the row whose column col is value, failing if there is none.
func (tb table) row(t *testing.T, col, value string) map[string]string {
	t.Helper()
	for _, r := range tb.rows {
		if r[col] == value {
			return r
		}
	}
	t.Fatalf("no row with %s=%q in table %v", col, value, tb.rows)
	return nil
}

// has reports whether some row has value in column col.
func (tb table) has(col, value string) bool {
	for _, r := range tb.rows {
		if r[col] == value {
			return true
		}
	}
	return false
}

// wantHeaders checks the table's headers, in order.
func wantHeaders(t *testing.T, tb table, want ...string) {
	t.Helper()
	if strings.Join(tb.headers, "|") != strings.Join(want, "|") {
		t.Errorf("headers = %q; want %q", tb.headers, want)
	}
}

// wantCells checks some cells of a row.
func wantCells(t *testing.T, row map[string]string, want map[string]string) {
	t.Helper()
	for col, w := range want {
		if got := row[col]; got != w {
			t.Errorf("column %s = %q; want %q (row %v)", col, got, w, row)
		}
	}
}

// ageRE matches kubectl's AGE column ("5s", "2m3s", "4h").
var ageRE = regexp.MustCompile(`^[0-9]+[smhdy]([0-9]+[smh])?$`)

// wantAge checks an AGE-like cell.
func wantAge(t *testing.T, row map[string]string, col string) {
	t.Helper()
	if !ageRE.MatchString(row[col]) {
		t.Errorf("column %s = %q; want an age like 5s (row %v)", col, row[col], row)
	}
}

// squash collapses runs of blanks in every line to one space, so describe
// output can be matched without its alignment.
func squash(s string) string {
	lines := strings.Split(s, "\n")
	for i, line := range lines {
		lines[i] = strings.Join(strings.Fields(line), " ")
	}
	return strings.Join(lines, "\n")
}

// wantLines checks that every want line appears, as a whole line, in the
// squashed output.
func wantLines(t *testing.T, out string, want ...string) {
	t.Helper()
	have := map[string]bool{}
	for _, line := range strings.Split(squash(out), "\n") {
		have[line] = true
	}
	for _, w := range want {
		if !have[w] {
			t.Errorf("output lacks line %q:\n%s", w, out)
		}
	}
}

// wantOutput checks kubectl's output exactly, ignoring a final newline.
func wantOutput(t *testing.T, r result, want string) {
	t.Helper()
	if got := strings.TrimRight(r.stdout, "\n"); got != strings.TrimRight(want, "\n") {
		t.Errorf("kubectl %s printed %q; want %q (stderr %q)", strings.Join(r.args, " "), got, want, r.stderr)
	}
}

// wantContains checks that s contains every want.
func wantContains(t *testing.T, what, s string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(s, w) {
			t.Errorf("%s = %q; want it to contain %q", what, s, w)
		}
	}
}
