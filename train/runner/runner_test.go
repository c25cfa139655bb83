package runner

import (
	"bytes"
	"strings"
	"testing"
)

// Written to something other than a terminal, the progress of an epoch is
// a line at each quarter, not a redrawn bar.
func TestProgressOutsideTerminal(t *testing.T) {
	var b bytes.Buffer
	report := progress(&b)
	for done := 1; done <= 843; done++ {
		report(done, 843, 1/float64(done))
	}
	lines := strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n")
	want := []string{"  211/843 batches, loss 0.0047", "  422/843 batches, loss 0.0024", "  633/843 batches, loss 0.0016"}
	if strings.Join(lines, "|") != strings.Join(want, "|") {
		t.Fatalf("progress wrote %q, want %q", lines, want)
	}
	if strings.ContainsRune(b.String(), '\r') {
		t.Error("progress outside a terminal redraws with \\r")
	}
}
