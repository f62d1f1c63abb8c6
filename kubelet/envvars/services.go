package envvars

import (
	"context"
	"fmt"
	"net"
	"sort"
	"strconv"
	"strings"

	v1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
)

// masterService is injected into every pod, even with enableServiceLinks
// false, because in-cluster client configs read KUBERNETES_SERVICE_HOST/PORT.
const masterService = "kubernetes"

// serviceEnv returns the service link variables for a pod in ns, in a stable
// order (services by name, each service's variables in upstream's order).
func serviceEnv(ctx context.Context, client kubernetes.Interface, ns string, enableLinks bool) ([]EnvVar, error) {
	byName := map[string]*v1.Service{}
	if client == nil {
		return nil, nil
	}
	// The master service wins over a same-named service in the pod's
	// namespace, like upstream where it is inserted first and never replaced.
	if ns != metav1.NamespaceDefault || !enableLinks {
		svc, err := client.CoreV1().Services(metav1.NamespaceDefault).Get(ctx, masterService, metav1.GetOptions{})
		switch {
		case err == nil:
			if isServiceIPSet(svc) {
				byName[svc.Name] = svc
			}
		case apierrors.IsNotFound(err):
		default:
			return nil, fmt.Errorf("failed to list services when setting up env vars")
		}
	}
	if enableLinks {
		list, err := client.CoreV1().Services(ns).List(ctx, metav1.ListOptions{})
		if err != nil {
			return nil, fmt.Errorf("failed to list services when setting up env vars")
		}
		for i := range list.Items {
			svc := &list.Items[i]
			if !isServiceIPSet(svc) {
				continue
			}
			if _, taken := byName[svc.Name]; taken {
				continue
			}
			byName[svc.Name] = svc
		}
	}
	names := make([]string, 0, len(byName))
	for n := range byName {
		names = append(names, n)
	}
	sort.Strings(names)
	var out []EnvVar
	for _, n := range names {
		out = append(out, FromService(byName[n])...)
	}
	return out, nil
}

// isServiceIPSet excludes headless and not-yet-allocated services: they
// have no single address to advertise.
func isServiceIPSet(svc *v1.Service) bool {
	ip := svc.Spec.ClusterIP
	return ip != "" && ip != v1.ClusterIPNone && len(svc.Spec.Ports) > 0
}

// FromService returns the {SVC}_SERVICE_HOST/PORT variables and the legacy
// docker-link variables for one service.
func FromService(svc *v1.Service) []EnvVar {
	if !isServiceIPSet(svc) {
		return nil
	}
	prefix := envName(svc.Name)
	ip := svc.Spec.ClusterIP
	out := []EnvVar{
		{Name: prefix + "_SERVICE_HOST", Value: ip},
		{Name: prefix + "_SERVICE_PORT", Value: strconv.Itoa(int(svc.Spec.Ports[0].Port))},
	}
	for _, p := range svc.Spec.Ports {
		if p.Name != "" {
			out = append(out, EnvVar{Name: prefix + "_SERVICE_PORT_" + envName(p.Name), Value: strconv.Itoa(int(p.Port))})
		}
	}
	for i, p := range svc.Spec.Ports {
		proto := string(v1.ProtocolTCP)
		if p.Protocol != "" {
			proto = string(p.Protocol)
		}
		lower := strings.ToLower(proto)
		url := lower + "://" + net.JoinHostPort(ip, strconv.Itoa(int(p.Port)))
		if i == 0 {
			// Docker special-cases the first port.
			out = append(out, EnvVar{Name: prefix + "_PORT", Value: url})
		}
		pp := fmt.Sprintf("%s_PORT_%d_%s", prefix, p.Port, strings.ToUpper(proto))
		out = append(out,
			EnvVar{Name: pp, Value: url},
			EnvVar{Name: pp + "_PROTO", Value: lower},
			EnvVar{Name: pp + "_PORT", Value: strconv.Itoa(int(p.Port))},
			EnvVar{Name: pp + "_ADDR", Value: ip},
		)
	}
	return out
}

func envName(s string) string {
	return strings.ToUpper(strings.ReplaceAll(s, "-", "_"))
}
