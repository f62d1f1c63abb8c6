package images

import (
	"archive/tar"
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"runtime"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// File is one entry of a layer built by Layer.
type File struct {
	Path string      // inside the image, without a leading slash: "bin/sh"
	Mode fs.FileMode // fs.ModeDir or fs.ModeSymlink plus permissions, or just permissions for a regular file
	Data []byte      // a regular file's contents
	Link string      // a symlink's target
}

// epoch is every file's modification time: fixed times keep digests stable.
var epoch = time.Unix(0, 0).UTC()

// Layer builds a gzip-compressed OCI layer holding files, in the order given
// (so the caller controls reproducibility), all owned by root.
func Layer(files []File) (v1.Layer, error) {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, f := range files {
		h := &tar.Header{Name: f.Path, Mode: int64(f.Mode.Perm()), ModTime: epoch, Format: tar.FormatPAX}
		switch {
		case f.Mode&fs.ModeDir != 0:
			h.Typeflag, h.Name = tar.TypeDir, f.Path+"/"
		case f.Mode&fs.ModeSymlink != 0:
			h.Typeflag, h.Linkname = tar.TypeSymlink, f.Link
		case f.Mode.IsRegular():
			h.Typeflag, h.Size = tar.TypeReg, int64(len(f.Data))
		default:
			return nil, fmt.Errorf("images: %s: unsupported mode %v", f.Path, f.Mode)
		}
		if f.Mode&fs.ModeSticky != 0 {
			h.Mode |= 0o1000
		}
		if err := tw.WriteHeader(h); err != nil {
			return nil, err
		}
		if _, err := tw.Write(f.Data); err != nil {
			return nil, err
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	b := buf.Bytes()
	return tarball.LayerFromOpener(func() (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(b)), nil
	}, tarball.WithMediaType(types.OCILayer), tarball.WithCompressedCaching)
}

// Image makes a linux/GOARCH OCI image of layers with config cfg and no
// creation time.
func Image(cfg v1.Config, layers ...v1.Layer) (v1.Image, error) {
	if len(layers) == 0 {
		return nil, errors.New("images: an image needs a layer")
	}
	img := mutate.MediaType(empty.Image, types.OCIManifestSchema1)
	img = mutate.ConfigMediaType(img, types.OCIConfigJSON)
	img, err := mutate.AppendLayers(img, layers...)
	if err != nil {
		return nil, err
	}
	cf, err := img.ConfigFile()
	if err != nil {
		return nil, err
	}
	cf = cf.DeepCopy()
	cf.OS, cf.Architecture = "linux", runtime.GOARCH
	if runtime.GOARCH == "arm64" {
		cf.Variant = "v8"
	}
	cf.Config = cfg
	cf.History = nil
	return mutate.ConfigFile(img, cf)
}
