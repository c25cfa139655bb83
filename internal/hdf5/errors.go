package hdf5

import (
	"errors"
	"fmt"
)

// ErrUnsupported is wrapped by errors about valid HDF5 features this package
// does not implement, e.g. "hdf5: superblock version 2 is not supported".
var ErrUnsupported = errors.New("not supported")

// ErrNotFound is wrapped by errors about a missing group member or attribute.
var ErrNotFound = errors.New("not found")

// errorf formats an error with the package prefix.
func errorf(format string, args ...any) error {
	return fmt.Errorf("hdf5: "+format, args...)
}

// unsupported reports a valid but unimplemented feature.
// The message reads "hdf5: <what> is not supported".
func unsupported(format string, args ...any) error {
	return fmt.Errorf("hdf5: %s is %w", fmt.Sprintf(format, args...), ErrUnsupported)
}
