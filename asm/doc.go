// Package asm will hold the typed builder and printer of Go Plan 9 assembly
// for amd64 and arm64 that the backends use to emit kernels. It is empty
// until the amd64 backend lands.
package asm
