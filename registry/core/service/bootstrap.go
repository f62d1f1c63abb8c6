package service

import (
	"context"
	"net/netip"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	networkingv1 "k8s.io/api/networking/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/client-go/kubernetes"
	"k8s.io/utils/ptr"

	"github.com/skiff-k8s/skiff/registry/core/service/ipallocator"
)

// KubernetesServiceIP returns the first usable IP of the service CIDR, the
// ClusterIP of default/kubernetes.
func KubernetesServiceIP() (netip.Addr, error) {
	a, err := ipallocator.New(ipallocator.ServiceCIDR, nil)
	if err != nil {
		return netip.Addr{}, err
	}
	return a.Index(1), nil
}

// EnsureKubernetesService creates what kube-apiserver's bootstrap
// controllers create: the default ServiceCIDR "kubernetes", the
// default/kubernetes Service (https, 443 -> the API server's port) and, when
// the API server has a routable address, its Endpoints and EndpointSlice.
// Existing objects are left alone.
func EnsureKubernetesService(ctx context.Context, client kubernetes.Interface, public netip.Addr, port int32) error {
	cidr := &networkingv1.ServiceCIDR{
		ObjectMeta: metav1.ObjectMeta{Name: ipallocator.DefaultServiceCIDRName},
		Spec:       networkingv1.ServiceCIDRSpec{CIDRs: []string{ipallocator.ServiceCIDR}},
	}
	created, err := client.NetworkingV1().ServiceCIDRs().Create(ctx, cidr, metav1.CreateOptions{})
	if err == nil {
		created.Status.Conditions = []metav1.Condition{{
			Type: networkingv1.ServiceCIDRConditionReady, Status: metav1.ConditionTrue,
			Reason: "ServiceCIDRReady", Message: "Kubernetes Service CIDR is ready", LastTransitionTime: metav1.Now(),
		}}
		if _, err := client.NetworkingV1().ServiceCIDRs().UpdateStatus(ctx, created, metav1.UpdateOptions{}); err != nil {
			return err
		}
	} else if !apierrors.IsAlreadyExists(err) {
		return err
	}

	ip, err := KubernetesServiceIP()
	if err != nil {
		return err
	}
	svc := &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{
			Name: "kubernetes", Namespace: metav1.NamespaceDefault,
			Labels: map[string]string{"provider": "kubernetes", "component": "apiserver"},
		},
		Spec: corev1.ServiceSpec{
			Type:            corev1.ServiceTypeClusterIP,
			ClusterIP:       ip.String(),
			SessionAffinity: corev1.ServiceAffinityNone,
			Ports: []corev1.ServicePort{{
				Name: "https", Protocol: corev1.ProtocolTCP, Port: 443, TargetPort: intstr.FromInt32(port),
			}},
		},
	}
	// On a restart the Service exists (its IP is allocated, so a create
	// would be refused as a duplicate IP); only follow a changed port.
	existing, err := client.CoreV1().Services(metav1.NamespaceDefault).Get(ctx, "kubernetes", metav1.GetOptions{})
	switch {
	case apierrors.IsNotFound(err):
		if _, err := client.CoreV1().Services(metav1.NamespaceDefault).Create(ctx, svc, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
			return err
		}
	case err != nil:
		return err
	case len(existing.Spec.Ports) != 1 || existing.Spec.Ports[0].TargetPort != svc.Spec.Ports[0].TargetPort:
		existing.Spec.Ports = svc.Spec.Ports
		if _, err := client.CoreV1().Services(metav1.NamespaceDefault).Update(ctx, existing, metav1.UpdateOptions{}); err != nil {
			return err
		}
	}
	if !public.IsValid() || public.IsLoopback() || public.IsUnspecified() {
		return nil // Endpoints may not name loopback addresses
	}
	ep := &corev1.Endpoints{
		ObjectMeta: metav1.ObjectMeta{Name: "kubernetes", Namespace: metav1.NamespaceDefault,
			Labels: map[string]string{discoveryv1.LabelSkipMirror: "true"}},
		Subsets: []corev1.EndpointSubset{{
			Addresses: []corev1.EndpointAddress{{IP: public.String()}},
			Ports:     []corev1.EndpointPort{{Name: "https", Port: port, Protocol: corev1.ProtocolTCP}},
		}},
	}
	if _, err := client.CoreV1().Endpoints(metav1.NamespaceDefault).Create(ctx, ep, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
		return err
	}
	addrType := discoveryv1.AddressTypeIPv4
	if public.Is6() && !public.Is4In6() {
		addrType = discoveryv1.AddressTypeIPv6
	}
	slice := &discoveryv1.EndpointSlice{
		ObjectMeta: metav1.ObjectMeta{Name: "kubernetes", Namespace: metav1.NamespaceDefault,
			Labels: map[string]string{discoveryv1.LabelServiceName: "kubernetes"}},
		AddressType: addrType,
		Endpoints: []discoveryv1.Endpoint{{
			Addresses:  []string{public.Unmap().String()},
			Conditions: discoveryv1.EndpointConditions{Ready: ptr.To(true)},
		}},
		Ports: []discoveryv1.EndpointPort{{Name: ptr.To("https"), Port: ptr.To(port), Protocol: ptr.To(corev1.ProtocolTCP)}},
	}
	if _, err := client.DiscoveryV1().EndpointSlices(metav1.NamespaceDefault).Create(ctx, slice, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
		return err
	}
	return nil
}
