package prober

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	v1 "k8s.io/api/core/v1"
)

// probeTransport is shared so probes reuse TLS session setup code, but keeps
// no idle connections: every probe must test a fresh connection.
var probeTransport = &http.Transport{
	// Containers commonly serve self-signed certs on health endpoints.
	TLSClientConfig:     &tls.Config{InsecureSkipVerify: true},
	DisableKeepAlives:   true,
	Proxy:               http.ProxyURL(nil),
	DisableCompression:  true,
	DialContext:         probeDialer().DialContext,
	TLSHandshakeTimeout: 10 * time.Second,
}

func httpProbe(ctx context.Context, g *v1.HTTPGetAction, t target, timeout time.Duration) (result, string, error) {
	req, err := newHTTPRequest(ctx, g, t)
	if err != nil {
		return unknown, "", err
	}
	client := &http.Client{Timeout: timeout, Transport: probeTransport, CheckRedirect: sameHostRedirects}
	return doHTTP(client, req)
}

func newHTTPRequest(ctx context.Context, g *v1.HTTPGetAction, t target) (*http.Request, error) {
	scheme := strings.ToLower(string(g.Scheme))
	if scheme == "" {
		scheme = "http"
	}
	host := g.Host
	if host == "" {
		host = t.podIP
	}
	port, err := resolvePort(g.Port, t.container)
	if err != nil {
		return nil, err
	}
	u, err := url.Parse(g.Path)
	if err != nil {
		u = &url.URL{Path: g.Path}
	}
	u.Scheme = scheme
	u.Host = net.JoinHostPort(host, strconv.Itoa(port))
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, err
	}
	headers := http.Header{}
	for _, h := range g.HTTPHeaders {
		headers.Add(h.Name, h.Value)
	}
	if _, ok := headers["User-Agent"]; !ok {
		headers.Set("User-Agent", userAgent)
	}
	// An explicitly empty Accept header means "send none".
	if _, ok := headers["Accept"]; !ok {
		headers.Set("Accept", "*/*")
	} else if headers.Get("Accept") == "" {
		headers.Del("Accept")
	}
	req.Header = headers
	req.Host = headers.Get("Host")
	return req, nil
}

// sameHostRedirects follows redirects only to the same host, so a probe
// cannot be bounced to an arbitrary address from the node's network; a
// redirect elsewhere ends as a 3xx "warning" success.
func sameHostRedirects(req *http.Request, via []*http.Request) error {
	if req.URL.Hostname() != via[0].URL.Hostname() {
		return http.ErrUseLastResponse
	}
	if len(via) >= 10 {
		return errors.New("stopped after 10 redirects")
	}
	return nil
}

func doHTTP(client *http.Client, req *http.Request) (result, string, error) {
	res, err := client.Do(req)
	if err != nil {
		return failure, err.Error(), nil
	}
	defer res.Body.Close()
	b, err := io.ReadAll(io.LimitReader(res.Body, maxOutput))
	if err != nil {
		return failure, "", err
	}
	body := string(b)
	if res.StatusCode >= http.StatusOK && res.StatusCode < http.StatusBadRequest {
		if res.StatusCode >= http.StatusMultipleChoices {
			return warning, fmt.Sprintf("Probe terminated redirects, Response body: %v", body), nil
		}
		return success, body, nil
	}
	return failure, fmt.Sprintf("HTTP probe failed with statuscode: %d", res.StatusCode), nil
}
