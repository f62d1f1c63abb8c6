// Package install links every skiff admission plugin into the binary.
// Add a blank import here for each plugin package under admission/.
package install
