package main

import (
	"bytes"
	"os/exec"
	"runtime"
	"strings"
	"testing"
)

// TestCustomNeuron runs the example end to end: interpreter, gradients
// two ways, model file, NIR round trip, compile, and the generated
// package's own tests.
func TestCustomNeuron(t *testing.T) {
	if testing.Short() {
		t.Skip("compiles and tests a generated package")
	}
	// The example runs the go command, whose test binaries must run here:
	// not under an emulator of another architecture.
	if host, err := exec.Command("go", "env", "GOHOSTARCH").Output(); err != nil || strings.TrimSpace(string(host)) != runtime.GOARCH {
		t.Skipf("runs go test for the host, not for %s under emulation", runtime.GOARCH)
	}
	var out bytes.Buffer
	if err := run(&out); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	for _, want := range []string{"1. interpreter", "2. gradient", "3. model file qifnet.snn.json", "4. NIR: qifnet.nir holds qif1 as a QIFAdapt node", "5. compiled package qifnet", "6. its tests pass"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
	// The neuron must be doing something: more current, more spikes.
	if !strings.Contains(out.String(), "[0 3 4 6 8 10 11 13]") {
		t.Errorf("spike counts changed:\n%s", out.String())
	}
}
