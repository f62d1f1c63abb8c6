package volumes

import (
	"bytes"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"
)

const (
	dataDirName    = "..data"
	newDataDirName = "..data_tmp"
	maxFileNameLen = 255
	maxPathLen     = 4096
)

// file is one entry of a volume's payload.
type file struct {
	Data []byte
	Mode int32
}

// writeAtomic makes dir show exactly payload (relative path → file). Readers
// going through the user-visible symlinks see either the old or the new
// payload, never a mix, because only the rename of "..data" switches them.
func writeAtomic(dir string, payload map[string]file) error {
	clean := make(map[string]file, len(payload))
	for p, f := range payload {
		if err := validateRelPath(p); err != nil {
			return err
		}
		clean[filepath.Clean(p)] = f
	}

	dataLink := filepath.Join(dir, dataDirName)
	oldTS, err := os.Readlink(dataLink)
	if err != nil && !os.IsNotExist(err) {
		return err
	}
	oldTSPath := ""
	var stale map[string]bool
	write := true
	if oldTS != "" {
		oldTSPath = filepath.Join(dir, oldTS)
		stale, err = stalePaths(clean, oldTSPath)
		if err != nil {
			return err
		}
		// Skipping unchanged payloads keeps the "..data" target stable, so
		// periodic refreshes do not churn inotify watchers in containers.
		if !payloadChanged(clean, oldTSPath) && len(stale) == 0 {
			write = false
		}
	}

	if write {
		tsDir, err := os.MkdirTemp(dir, time.Now().UTC().Format("..2006_01_02_15_04_05."))
		if err != nil {
			return err
		}
		// Group and other must be able to traverse to files whose own mode
		// lets them read.
		if err := os.Chmod(tsDir, 0o755); err != nil {
			return err
		}
		if err := writePayload(tsDir, clean); err != nil {
			os.RemoveAll(tsDir)
			return err
		}
		tmpLink := filepath.Join(dir, newDataDirName)
		os.Remove(tmpLink) // left over from a crash between symlink and rename
		if err := os.Symlink(filepath.Base(tsDir), tmpLink); err != nil {
			os.RemoveAll(tsDir)
			return err
		}
		if err := os.Rename(tmpLink, dataLink); err != nil {
			os.Remove(tmpLink)
			os.RemoveAll(tsDir)
			return err
		}
	}

	if err := linkVisible(dir, clean); err != nil {
		return err
	}
	var lastErr error
	for p := range stale {
		if strings.Contains(p, string(os.PathSeparator)) {
			continue // only top-level entries have visible symlinks
		}
		if err := os.Remove(filepath.Join(dir, p)); err != nil && !os.IsNotExist(err) {
			lastErr = err
		}
	}
	if lastErr != nil {
		return lastErr
	}
	if write && oldTSPath != "" {
		return os.RemoveAll(oldTSPath)
	}
	return nil
}

// validateRelPath rejects paths that could escape the volume or collide with
// the writer's own "..data" bookkeeping entries.
func validateRelPath(p string) error {
	if p == "" {
		return fmt.Errorf("invalid path: must not be empty: %q", p)
	}
	if path.IsAbs(p) {
		return fmt.Errorf("invalid path: must be relative path: %s", p)
	}
	if len(p) > maxPathLen {
		return fmt.Errorf("invalid path: must be less than or equal to %d characters", maxPathLen)
	}
	items := strings.Split(p, string(os.PathSeparator))
	for _, item := range items {
		if item == ".." {
			return fmt.Errorf("invalid path: must not contain '..': %s", p)
		}
		if len(item) > maxFileNameLen {
			return fmt.Errorf("invalid path: filenames must be less than or equal to %d characters", maxFileNameLen)
		}
	}
	if strings.HasPrefix(items[0], "..") && len(items[0]) > 2 {
		return fmt.Errorf("invalid path: must not start with '..': %s", p)
	}
	return nil
}

func payloadChanged(payload map[string]file, oldTS string) bool {
	for p, f := range payload {
		old, err := os.ReadFile(filepath.Join(oldTS, p))
		if err != nil || !bytes.Equal(old, f.Data) {
			return true
		}
		if st, err := os.Stat(filepath.Join(oldTS, p)); err != nil || st.Mode().Perm() != os.FileMode(f.Mode).Perm() {
			return true
		}
	}
	return false
}

// stalePaths lists what the old payload had that the new one does not,
// including parent directories no longer needed.
func stalePaths(payload map[string]file, oldTS string) (map[string]bool, error) {
	old := map[string]bool{}
	err := filepath.Walk(oldTS, func(p string, _ os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(oldTS, p)
		if rel != "." {
			old[rel] = true
		}
		return nil
	})
	if os.IsNotExist(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	for p := range payload {
		for sub := p; sub != "." && sub != ""; sub = filepath.Dir(sub) {
			delete(old, sub)
		}
	}
	return old, nil
}

func writePayload(dir string, payload map[string]file) error {
	for p, f := range payload {
		full := filepath.Join(dir, p)
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			return err
		}
		mode := os.FileMode(f.Mode) & os.ModePerm
		if err := os.WriteFile(full, f.Data, mode); err != nil {
			return err
		}
		// WriteFile's mode is filtered by umask; the user asked for exactly
		// this mode.
		if err := os.Chmod(full, mode); err != nil {
			return err
		}
	}
	return nil
}

// linkVisible creates "<top> -> ..data/<top>" for each top-level entry.
func linkVisible(dir string, payload map[string]file) error {
	for p := range payload {
		top, _, _ := strings.Cut(p, string(os.PathSeparator))
		link := filepath.Join(dir, top)
		if _, err := os.Readlink(link); err == nil {
			continue
		} else if !os.IsNotExist(err) {
			return err
		}
		if err := os.Symlink(filepath.Join(dataDirName, top), link); err != nil {
			return err
		}
	}
	return nil
}
