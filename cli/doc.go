// Package cli is the snnc command: every subcommand (run, compile, bench,
// check, dump, plot, nir, map, models), one file each, behind Main. It
// parses flags, loads models and inputs within a memory budget, and calls
// the packages that do the work (compiler, backend/interp, nir,
// backend/neuro); nothing here is needed to use snnc from Go.
//
// cmd/snnc is Main and nothing else. A program that registers neuron
// models of its own (functional.Register) and calls Main is an snnc whose
// model files, run, compile, bench --neuron and models see those models.
package cli
