package main

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/snnc/snnc/module"
)

// loadGraph reads a model file (*.snn.json, or a NIR graph *.nir) and
// builds its graph. Every command that takes a MODEL goes through here.
func loadGraph(path string, dt float64) (*module.Model, *module.Builder, error) {
	if strings.EqualFold(filepath.Ext(path), ".nir") {
		return loadNIR(path, dt, false)
	}
	m, err := module.Load(path, dt)
	if err != nil {
		return nil, nil, err
	}
	b, err := module.Build(m.Name, m.Net, m.InputShape...)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", path, err)
	}
	return m, b, nil
}
