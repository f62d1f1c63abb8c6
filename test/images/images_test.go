package images

import (
	"archive/tar"
	"io"
	"os"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

func TestBusybox(t *testing.T) {
	if _, err := os.Stat(BusyboxPath); err != nil {
		t.Skip("busybox-static not installed:", err)
	}
	img, err := Busybox()
	if err != nil {
		t.Fatal(err)
	}
	cf, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	if len(cf.Config.Cmd) != 1 || cf.Config.Cmd[0] != "sh" || len(cf.Config.Env) != 1 || cf.Config.Env[0] != "PATH="+PATH {
		t.Errorf("config %+v", cf.Config)
	}
	layers, _ := img.Layers()
	rc, err := layers[0].Uncompressed()
	if err != nil {
		t.Fatal(err)
	}
	entries := map[string]*tar.Header{}
	tr := tar.NewReader(rc)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		entries[h.Name] = h
	}
	for _, a := range []string{"sh", "sleep", "echo", "cat", "ls", "httpd", "nc", "wget", "true", "false", "env", "date", "mkdir", "test", "kill"} {
		if h := entries["bin/"+a]; h == nil || h.Typeflag != tar.TypeSymlink || h.Linkname != "busybox" {
			t.Errorf("bin/%s: %+v", a, h)
		}
	}
	if h := entries["tmp/"]; h == nil || h.Mode != 0o1777 {
		t.Errorf("tmp/: %+v", h)
	}
	if entries["etc/passwd"] == nil || entries["bin/busybox"] == nil {
		t.Error("etc/passwd or bin/busybox missing")
	}
}

func TestSetup(t *testing.T) {
	if _, err := os.Stat(BusyboxPath); err != nil {
		t.Skip("busybox-static not installed:", err)
	}
	refs := Setup(t)
	for _, ref := range []string{refs.Pause, refs.Busybox} {
		r, err := name.ParseReference(ref, name.Insecure)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := remote.Head(r); err != nil {
			t.Errorf("%s: %v", ref, err)
		}
	}
}
