package main

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
)

const benchNS = "bench"

// newClient returns a clientset without client-side throttling.
func newClient(cfg *rest.Config, contentType string) (kubernetes.Interface, error) {
	cfg = rest.CopyConfig(cfg)
	cfg.QPS = -1
	cfg.Burst = 0
	cfg.Timeout = 60 * time.Second
	cfg.UserAgent = "skiff-bench"
	if contentType != "" {
		cfg.ContentType = contentType
	}
	return kubernetes.NewForConfig(cfg)
}

func ensureNamespace(ctx context.Context, c kubernetes.Interface, name string) error {
	// Right after /readyz the namespace controller/admission caches may
	// still be settling: retry briefly.
	var err error
	for range 50 {
		_, err = c.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}, metav1.CreateOptions{})
		if err == nil || apierrors.IsAlreadyExists(err) {
			return nil
		}
		time.Sleep(100 * time.Millisecond)
	}
	return fmt.Errorf("create namespace %s: %w", name, err)
}

func configMap(batch, name string, i int) *corev1.ConfigMap {
	return &corev1.ConfigMap{
		ObjectMeta: metav1.ObjectMeta{
			Name:   name,
			Labels: map[string]string{"app": "skiff-bench", "batch": batch},
		},
		Data: map[string]string{
			"index": fmt.Sprint(i),
			"value": "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
		},
	}
}

type createResult struct {
	n        int
	elapsed  time.Duration
	p50, p99 time.Duration
	share    float64 // other processes' CPU share during the batch
}

func (r createResult) perSec() float64 { return float64(r.n) / r.elapsed.Seconds() }

// createConfigMaps creates n ConfigMaps named prefix-0..n-1 in the bench
// namespace with `workers` concurrent workers, and times the whole batch.
func createConfigMaps(ctx context.Context, c kubernetes.Interface, prefix string, n, workers int) (createResult, error) {
	lat := make([]time.Duration, n)
	var next atomic.Int64
	var firstErr error
	var once sync.Once
	var wg sync.WaitGroup
	start := time.Now()
	for range workers {
		wg.Go(func() {
			for {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				t := time.Now()
				_, err := c.CoreV1().ConfigMaps(benchNS).Create(ctx, configMap(prefix, fmt.Sprintf("%s-%d", prefix, i), i), metav1.CreateOptions{})
				lat[i] = time.Since(t)
				if err != nil {
					once.Do(func() { firstErr = fmt.Errorf("create %s-%d: %w", prefix, i, err) })
					next.Store(int64(n))
					return
				}
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	if firstErr != nil {
		return createResult{}, firstErr
	}
	slices.Sort(lat)
	return createResult{n: n, elapsed: elapsed, p50: pct(lat, 0.50), p99: pct(lat, 0.99)}, nil
}

type listResult struct {
	items            int
	median, min, max time.Duration
	runs             int
	share            float64 // other processes' CPU share during the LISTs
}

// listConfigMaps times `runs` full (unpaginated, default resourceVersion)
// LISTs of the bench namespace after one untimed warm-up LIST.
func listConfigMaps(ctx context.Context, c kubernetes.Interface, runs, want int) (listResult, error) {
	l, err := c.CoreV1().ConfigMaps(benchNS).List(ctx, metav1.ListOptions{})
	if err != nil {
		return listResult{}, err
	}
	if n := benchItems(l); n != want {
		return listResult{}, fmt.Errorf("LIST returned %d ConfigMaps, want %d", n, want)
	}
	var ds []time.Duration
	for range runs {
		t := time.Now()
		l, err = c.CoreV1().ConfigMaps(benchNS).List(ctx, metav1.ListOptions{})
		d := time.Since(t)
		if err != nil {
			return listResult{}, err
		}
		if n := benchItems(l); n != want {
			return listResult{}, fmt.Errorf("LIST returned %d ConfigMaps, want %d", n, want)
		}
		ds = append(ds, d)
	}
	slices.Sort(ds)
	return listResult{items: want, median: median(ds), min: ds[0], max: ds[len(ds)-1], runs: runs}, nil
}

// deleteBatch deletes the ConfigMaps createConfigMaps made with prefix.
func deleteBatch(ctx context.Context, c kubernetes.Interface, prefix string) error {
	sel := metav1.ListOptions{LabelSelector: "batch=" + prefix}
	if err := c.CoreV1().ConfigMaps(benchNS).DeleteCollection(ctx, metav1.DeleteOptions{}, sel); err != nil {
		return fmt.Errorf("delete batch %s: %w", prefix, err)
	}
	for range 100 {
		l, err := c.CoreV1().ConfigMaps(benchNS).List(ctx, sel)
		if err != nil {
			return err
		}
		if len(l.Items) == 0 {
			return nil
		}
		time.Sleep(100 * time.Millisecond)
	}
	return fmt.Errorf("batch %s still present after delete", prefix)
}

func countConfigMaps(ctx context.Context, c kubernetes.Interface) (int, error) {
	l, err := c.CoreV1().ConfigMaps(benchNS).List(ctx, metav1.ListOptions{})
	if err != nil {
		return 0, err
	}
	return benchItems(l), nil
}

// benchItems counts the ConfigMaps the benchmark made: skiff's root-CA
// publisher also puts kube-root-ca.crt in every namespace (upstream's does
// too, in kube-controller-manager, which the upstream side does not run).
func benchItems(l *corev1.ConfigMapList) int {
	n := 0
	for _, cm := range l.Items {
		if cm.Name != "kube-root-ca.crt" {
			n++
		}
	}
	return n
}

func pct(sorted []time.Duration, q float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(q*float64(len(sorted)-1) + 0.5)
	return sorted[i]
}

// median of a sorted slice.
func median(sorted []time.Duration) time.Duration {
	n := len(sorted)
	if n == 0 {
		return 0
	}
	if n%2 == 1 {
		return sorted[n/2]
	}
	return (sorted[n/2-1] + sorted[n/2]) / 2
}
