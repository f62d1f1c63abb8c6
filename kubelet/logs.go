package kubelet

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
	"k8s.io/cri-client/pkg/logs"
)

// serveLogs is /containerLogs/{namespace}/{pod}/{container}: the
// container's CRI log file, with upstream's options (follow, previous,
// tailLines, timestamps, sinceSeconds, sinceTime, limitBytes).
func (k *Kubelet) serveLogs(w http.ResponseWriter, r *http.Request) {
	parts := strings.Split(strings.Trim(strings.TrimPrefix(r.URL.Path, "/containerLogs/"), "/"), "/")
	pod, rt, name, err := k.findContainer(r.Context(), parts)
	if err != nil {
		writeError(w, err)
		return
	}
	q := r.URL.Query()
	list := rt.containers[name]
	if specContainer(pod, name) == nil {
		writeError(w, errBadRequest(fmt.Sprintf("container %s is not valid for pod %s", name, pod.Name)))
		return
	}
	var st *runtimeapi.ContainerStatus
	if flag(q, "previous") {
		if len(list) < 2 {
			writeError(w, errBadRequest(fmt.Sprintf("previous terminated container %q in pod %q not found", name, pod.Name)))
			return
		}
		st = list[1]
	} else {
		if len(list) == 0 {
			reason := "ContainerCreating"
			if wk := k.workerOf(pod.UID); wk != nil {
				if wr, ok := wk.waitingReason(name); ok {
					reason = wr.reason
				}
			}
			writeError(w, errBadRequest(fmt.Sprintf("container %q in pod %q is waiting to start: %s", name, pod.Name, reason)))
			return
		}
		st = list[0]
	}
	opts := &logs.LogOptions{Follow: flag(q, "follow"), Timestamp: flag(q, "timestamps")}
	if v := q.Get("tailLines"); v != "" {
		if n, err := strconv.ParseInt(v, 10, 64); err == nil {
			opts.TailLines = &n
		}
	}
	if v := q.Get("limitBytes"); v != "" {
		if n, err := strconv.ParseInt(v, 10, 64); err == nil {
			opts.LimitBytes = &n
		}
	}
	if v := q.Get("sinceSeconds"); v != "" {
		if n, err := strconv.ParseInt(v, 10, 64); err == nil {
			opts.Since = time.Now().Add(-time.Duration(n) * time.Second)
		}
	}
	if v := q.Get("sinceTime"); v != "" {
		if t, err := time.Parse(time.RFC3339, v); err == nil {
			opts.Since = t
		}
	}
	w.Header().Set("Content-Type", "text/plain")
	w.Header().Set("Transfer-Encoding", "chunked")
	w.WriteHeader(http.StatusOK)
	fw := &flushWriter{w: w}
	if f, ok := w.(http.Flusher); ok {
		fw.f = f
		f.Flush()
	}
	_ = logs.ReadLogs(r.Context(), st.LogPath, st.Id, opts, k.runtime, fw, fw)
}

// flushWriter sends each write at once, so `logs -f` streams.
type flushWriter struct {
	w io.Writer
	f http.Flusher
}

func (fw *flushWriter) Write(p []byte) (int, error) {
	n, err := fw.w.Write(p)
	if fw.f != nil {
		fw.f.Flush()
	}
	return n, err
}

// tailLog returns the content of the last lines of a CRI log file (at
// most maxBytes), for terminationMessagePolicy FallbackToLogsOnError.
func tailLog(path string, lines, maxBytes int) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	var msgs []string
	s := bufio.NewScanner(f)
	s.Buffer(make([]byte, 64<<10), 1<<20)
	for s.Scan() {
		// "<time> <stream> <P|F> <content>"
		fields := bytes.SplitN(s.Bytes(), []byte{' '}, 4)
		if len(fields) < 4 {
			continue
		}
		content := string(fields[3])
		if string(fields[2]) == "F" {
			content += "\n"
		}
		msgs = append(msgs, content)
		if len(msgs) > lines {
			msgs = msgs[1:]
		}
	}
	out := strings.Join(msgs, "")
	if len(out) > maxBytes {
		out = out[len(out)-maxBytes:]
	}
	return out
}
