package pod

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	utilnet "k8s.io/apimachinery/pkg/util/net"
	netutils "k8s.io/utils/net"

	"github.com/skiff-k8s/skiff/registry/core/kubeletclient"
)

// Getter reads a pod; the pods store is one.
type Getter interface {
	Get(ctx context.Context, name string, options *metav1.GetOptions) (runtime.Object, error)
}

// Kubelets finds how to reach the kubelet of a node.
type Kubelets interface {
	Get(ctx context.Context, nodeName string) (*kubeletclient.ConnectionInfo, error)
}

func getPod(ctx context.Context, pods Getter, name string) (*corev1.Pod, error) {
	obj, err := pods.Get(ctx, name, &metav1.GetOptions{})
	if err != nil {
		return nil, err
	}
	pod, ok := obj.(*corev1.Pod)
	if !ok || pod == nil {
		return nil, fmt.Errorf("unexpected object type: %T", obj)
	}
	return pod, nil
}

// containerNames lists the pod's init, regular and ephemeral containers, in
// that order (upstream's VisitContainers).
func containerNames(pod *corev1.Pod) []string {
	var names []string
	for _, c := range pod.Spec.InitContainers {
		names = append(names, c.Name)
	}
	for _, c := range pod.Spec.Containers {
		names = append(names, c.Name)
	}
	for _, c := range pod.Spec.EphemeralContainers {
		names = append(names, c.Name)
	}
	return names
}

// resolveContainer returns the container a request is about: the one
// named, which must exist, or the pod's only regular container.
func resolveContainer(container string, pod *corev1.Pod) (string, error) {
	if container == "" {
		switch len(pod.Spec.Containers) {
		case 1:
			return pod.Spec.Containers[0].Name, nil
		case 0:
			return "", apierrors.NewBadRequest(fmt.Sprintf("a container name must be specified for pod %s", pod.Name))
		default:
			return "", apierrors.NewBadRequest(fmt.Sprintf("a container name must be specified for pod %s, choose one of: %s", pod.Name, containerNames(pod)))
		}
	}
	for _, n := range containerNames(pod) {
		if n == container {
			return container, nil
		}
	}
	return "", apierrors.NewBadRequest(fmt.Sprintf("container %s is not valid for pod %s", container, pod.Name))
}

func kubeletURL(info *kubeletclient.ConnectionInfo, path string, query url.Values) *url.URL {
	return &url.URL{
		Scheme:   info.Scheme,
		Host:     net.JoinHostPort(info.Hostname, info.Port),
		Path:     path,
		RawQuery: query.Encode(),
	}
}

// LogLocation returns the kubelet URL of a container's log,
// /containerLogs/<namespace>/<pod>/<container>?<options>, and the transport
// to reach it. A pod not yet on a node has no log: nil URL, no error.
func LogLocation(ctx context.Context, pods Getter, kubelets Kubelets, name string, opts *corev1.PodLogOptions) (*url.URL, http.RoundTripper, error) {
	pod, err := getPod(ctx, pods, name)
	if err != nil {
		return nil, nil, err
	}
	container, err := resolveContainer(opts.Container, pod)
	if err != nil {
		return nil, nil, err
	}
	if pod.Spec.NodeName == "" {
		return nil, nil, nil
	}
	info, err := kubelets.Get(ctx, pod.Spec.NodeName)
	if err != nil {
		return nil, nil, err
	}
	q := url.Values{}
	if opts.Follow {
		q.Add("follow", "true")
	}
	if opts.Previous {
		q.Add("previous", "true")
	}
	if opts.Timestamps {
		q.Add("timestamps", "true")
	}
	if opts.SinceSeconds != nil {
		q.Add("sinceSeconds", strconv.FormatInt(*opts.SinceSeconds, 10))
	}
	if opts.SinceTime != nil {
		q.Add("sinceTime", opts.SinceTime.Format(time.RFC3339))
	}
	if opts.TailLines != nil {
		q.Add("tailLines", strconv.FormatInt(*opts.TailLines, 10))
	}
	if opts.LimitBytes != nil {
		q.Add("limitBytes", strconv.FormatInt(*opts.LimitBytes, 10))
	}
	loc := kubeletURL(info, fmt.Sprintf("/containerLogs/%s/%s/%s", pod.Namespace, pod.Name, container), q)
	if opts.InsecureSkipTLSVerifyBackend {
		return loc, info.InsecureTransport, nil
	}
	return loc, info.Transport, nil
}

// streamQuery is the kubelet's query of exec and attach: stdin, stdout,
// stderr and tty as "1" when set, and exec's command words in order.
func streamQuery(stdin, stdout, stderr, tty bool, command []string) url.Values {
	q := url.Values{}
	for _, p := range []struct {
		name string
		on   bool
	}{{corev1.ExecStdinParam, stdin}, {corev1.ExecStdoutParam, stdout}, {corev1.ExecStderrParam, stderr}, {corev1.ExecTTYParam, tty}} {
		if p.on {
			q.Add(p.name, "1")
		}
	}
	for _, c := range command {
		q.Add("command", c)
	}
	return q
}

// ExecLocation returns the kubelet URL of an exec,
// /exec/<namespace>/<pod>/<container>?command=...&stdin=1...
func ExecLocation(ctx context.Context, pods Getter, kubelets Kubelets, name string, opts *corev1.PodExecOptions) (*url.URL, *kubeletclient.ConnectionInfo, error) {
	q := streamQuery(opts.Stdin, opts.Stdout, opts.Stderr, opts.TTY, opts.Command)
	return streamLocation(ctx, pods, kubelets, name, opts.Container, "exec", q)
}

// AttachLocation returns the kubelet URL of an attach,
// /attach/<namespace>/<pod>/<container>?stdin=1...
func AttachLocation(ctx context.Context, pods Getter, kubelets Kubelets, name string, opts *corev1.PodAttachOptions) (*url.URL, *kubeletclient.ConnectionInfo, error) {
	q := streamQuery(opts.Stdin, opts.Stdout, opts.Stderr, opts.TTY, nil)
	return streamLocation(ctx, pods, kubelets, name, opts.Container, "attach", q)
}

func streamLocation(ctx context.Context, pods Getter, kubelets Kubelets, name, container, verb string, q url.Values) (*url.URL, *kubeletclient.ConnectionInfo, error) {
	pod, err := getPod(ctx, pods, name)
	if err != nil {
		return nil, nil, err
	}
	container, err = resolveContainer(container, pod)
	if err != nil {
		return nil, nil, err
	}
	info, err := nodeOf(ctx, kubelets, pod, name)
	if err != nil {
		return nil, nil, err
	}
	return kubeletURL(info, fmt.Sprintf("/%s/%s/%s/%s", verb, pod.Namespace, pod.Name, container), q), info, nil
}

func nodeOf(ctx context.Context, kubelets Kubelets, pod *corev1.Pod, name string) (*kubeletclient.ConnectionInfo, error) {
	if pod.Spec.NodeName == "" {
		return nil, apierrors.NewBadRequest(fmt.Sprintf("pod %s does not have a host assigned", name))
	}
	return kubelets.Get(ctx, pod.Spec.NodeName)
}

// PortForwardLocation returns the kubelet URL of a port forward,
// /portForward/<namespace>/<pod>[?port=80,443].
func PortForwardLocation(ctx context.Context, pods Getter, kubelets Kubelets, name string, opts *corev1.PodPortForwardOptions) (*url.URL, *kubeletclient.ConnectionInfo, error) {
	pod, err := getPod(ctx, pods, name)
	if err != nil {
		return nil, nil, err
	}
	info, err := nodeOf(ctx, kubelets, pod, name)
	if err != nil {
		return nil, nil, err
	}
	q := url.Values{}
	if len(opts.Ports) > 0 {
		ports := make([]string, len(opts.Ports))
		for i, p := range opts.Ports {
			ports[i] = strconv.Itoa(int(p))
		}
		q.Add(corev1.PortHeader, strings.Join(ports, ","))
	}
	return kubeletURL(info, fmt.Sprintf("/portForward/%s/%s", pod.Namespace, pod.Name), q), info, nil
}

// ProxyLocation returns where pods/proxy sends a request: the pod's first
// IP, on the port of id ("name", "name:port" or "scheme:name:port"; else
// the first declared container port). Only global unicast pod IPs are
// allowed.
func ProxyLocation(ctx context.Context, pods Getter, id string) (*url.URL, error) {
	scheme, name, port, ok := utilnet.SplitSchemeNamePort(id)
	if !ok {
		return nil, apierrors.NewBadRequest(fmt.Sprintf("invalid pod request %q", id))
	}
	pod, err := getPod(ctx, pods, name)
	if err != nil {
		return nil, err
	}
	if port == "" {
		for _, c := range pod.Spec.Containers {
			if len(c.Ports) > 0 {
				port = strconv.Itoa(int(c.Ports[0].ContainerPort))
				break
			}
		}
	}
	var podIP string
	if len(pod.Status.PodIPs) > 0 {
		podIP = pod.Status.PodIPs[0].IP
	}
	if ip := netutils.ParseIPSloppy(podIP); ip == nil || !ip.IsGlobalUnicast() {
		return nil, apierrors.NewBadRequest("address not allowed")
	}
	loc := &url.URL{Scheme: scheme}
	switch {
	case port != "":
		loc.Host = net.JoinHostPort(podIP, port)
	case strings.Contains(podIP, ":"):
		loc.Host = "[" + podIP + "]"
	default:
		loc.Host = podIP
	}
	return loc, nil
}
