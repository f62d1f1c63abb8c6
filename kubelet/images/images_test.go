package images

import (
	"archive/tar"
	"bytes"
	"context"
	"debug/elf"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

func TestPauseImage(t *testing.T) {
	if runtime.GOARCH != "amd64" && runtime.GOARCH != "arm64" {
		t.Skip("no pause program for", runtime.GOARCH)
	}
	img, err := Pause()
	if err != nil {
		t.Fatal(err)
	}
	cf, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	if got := cf.Config.Entrypoint; len(got) != 1 || got[0] != "/pause" {
		t.Errorf("Entrypoint = %q, want [/pause]", got)
	}
	if cf.OS != "linux" || cf.Architecture != runtime.GOARCH || !cf.Created.IsZero() {
		t.Errorf("os/arch/created = %s/%s/%v", cf.OS, cf.Architecture, cf.Created)
	}
	layers, err := img.Layers()
	if err != nil || len(layers) != 1 {
		t.Fatalf("layers: %d, %v", len(layers), err)
	}
	size, _ := layers[0].Size()
	if size > 1024 {
		t.Errorf("compressed pause layer is %d bytes, want < 1 KiB", size)
	}
	rc, err := layers[0].Uncompressed()
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(rc)
	h, err := tr.Next()
	if err != nil || h.Name != "pause" || h.Mode != 0o755 || !h.ModTime.Equal(epoch) {
		t.Fatalf("first entry %+v, %v", h, err)
	}
	bin, _ := io.ReadAll(tr)
	if _, err := tr.Next(); err != io.EOF {
		t.Errorf("layer holds more than /pause: %v", err)
	}
	ef, err := elf.NewFile(bytes.NewReader(bin))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]elf.Machine{"amd64": elf.EM_X86_64, "arm64": elf.EM_AARCH64}[runtime.GOARCH]
	if ef.Machine != want || ef.Type != elf.ET_EXEC || len(ef.Progs) != 1 {
		t.Errorf("ELF machine %v type %v progs %d", ef.Machine, ef.Type, len(ef.Progs))
	}
	t.Logf("pause: %d-byte binary, %d-byte layer", len(bin), size)

	// Reproducible: a second build (bypassing the cache) has the same digest.
	d1, _ := img.Digest()
	img2, err := pauseImageUncached()
	if err != nil {
		t.Fatal(err)
	}
	if d2, _ := img2.Digest(); d1 != d2 {
		t.Errorf("digest differs between builds: %s, %s", d1, d2)
	}
}

func TestPauseELFOtherArch(t *testing.T) {
	if _, err := pauseELF("riscv64"); err == nil {
		t.Error("riscv64: want error")
	}
	for _, a := range []string{"amd64", "arm64"} {
		b, err := pauseELF(a)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := elf.NewFile(bytes.NewReader(b)); err != nil {
			t.Errorf("%s: %v", a, err)
		}
	}
}

// TestPauseRuns runs the binary on the host: it must sleep (not spin) and
// exit 0 at once on SIGTERM and SIGINT.
func TestPauseRuns(t *testing.T) {
	bin, err := pauseELF(runtime.GOARCH)
	if err != nil {
		t.Skip(err)
	}
	path := filepath.Join(t.TempDir(), "pause")
	if err := os.WriteFile(path, bin, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGINT} {
		cmd := exec.Command(path)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(100 * time.Millisecond)
		stat, _ := os.ReadFile(filepath.Join("/proc", strconv.Itoa(cmd.Process.Pid), "stat"))
		if !bytes.Contains(stat, []byte(") S ")) {
			t.Errorf("pause is not sleeping: %s", stat)
		}
		t0 := time.Now()
		_ = cmd.Process.Signal(sig)
		if err := cmd.Wait(); err != nil {
			t.Errorf("%v: exit %v, want 0", sig, err)
		}
		if d := time.Since(t0); d > time.Second {
			t.Errorf("%v: took %v to exit", sig, d)
		}
	}
}

func TestRegistryRoundTrip(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	r, err := StartRegistry(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	img, err := Pause()
	if err != nil {
		t.Skip(err)
	}
	ref, err := r.Push(PauseRepoTag, img)
	if err != nil {
		t.Fatal(err)
	}
	if want := r.Host() + "/" + PauseRepoTag; ref != want {
		t.Errorf("ref = %s, want %s", ref, want)
	}
	pref, err := name.ParseReference(ref, name.Insecure)
	if err != nil {
		t.Fatal(err)
	}
	pulled, err := remote.Image(pref)
	if err != nil {
		t.Fatal(err)
	}
	d1, _ := img.Digest()
	d2, err := pulled.Digest()
	if err != nil || d1 != d2 {
		t.Errorf("pulled digest %s (%v), pushed %s", d2, err, d1)
	}
	cf, err := pulled.ConfigFile()
	if err != nil || cf.Config.Entrypoint[0] != "/pause" {
		t.Errorf("pulled config %+v, %v", cf, err)
	}
	cancel()
	select {
	case <-r.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("registry still serving after ctx ended")
	}
}
