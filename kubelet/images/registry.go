package images

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

// Registry is an in-memory OCI distribution registry served over plain HTTP
// on a loopback address.
type Registry struct {
	host string
	ctx  context.Context
	srv  *http.Server
	done chan struct{}
}

// StartRegistry serves a registry on addr ("127.0.0.1:0" or "" for a random
// port, "127.0.0.1:5000" for a fixed one) until ctx ends.
func StartRegistry(ctx context.Context, addr string) (*Registry, error) {
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("images: registry: %w", err)
	}
	r := &Registry{
		host: ln.Addr().String(),
		ctx:  ctx,
		srv: &http.Server{
			Handler:           registry.New(registry.Logger(log.New(io.Discard, "", 0))),
			ReadHeaderTimeout: 10 * time.Second,
		},
		done: make(chan struct{}),
	}
	go func() {
		defer close(r.done)
		if err := r.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Printf("images: registry on %s: %v", r.host, err)
		}
	}()
	go func() {
		<-ctx.Done()
		_ = r.srv.Close()
	}()
	return r, nil
}

// Host is the registry's "127.0.0.1:PORT", the first part of image references.
func (r *Registry) Host() string { return r.host }

// Done is closed once the registry has stopped serving (after ctx ended).
func (r *Registry) Done() <-chan struct{} { return r.done }

// Push uploads img as repoTag ("skiff/pause:3.10") and returns the full
// reference ("127.0.0.1:PORT/skiff/pause:3.10") to give containerd.
func (r *Registry) Push(repoTag string, img v1.Image) (string, error) {
	ref, err := name.ParseReference(r.host+"/"+repoTag, name.Insecure, name.StrictValidation)
	if err != nil {
		return "", fmt.Errorf("images: %w", err)
	}
	if err := remote.Write(ref, img, remote.WithContext(r.ctx)); err != nil {
		return "", fmt.Errorf("images: push %s: %w", ref, err)
	}
	return ref.String(), nil
}
