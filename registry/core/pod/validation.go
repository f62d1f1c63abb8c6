package pod

import (
	"fmt"
	"math"
	"net/netip"
	"strings"

	corev1 "k8s.io/api/core/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/api/validation"
	utilvalidation "k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/skiff-k8s/skiff/apis/core/podspec"
)

var updatablePodSpecFields = []string{
	"`spec.containers[*].image`",
	"`spec.initContainers[*].image`",
	"`spec.activeDeadlineSeconds`",
	"`spec.tolerations` (only additions to existing tolerations)",
	"`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)",
}

// validateMetadataAndSpec is upstream's validatePodMetadataAndSpec.
func validateMetadataAndSpec(pod *corev1.Pod) field.ErrorList {
	errs := validation.ValidateObjectMeta(&pod.ObjectMeta, true, validation.NameIsDNSSubdomain, field.NewPath("metadata"))
	specPath := field.NewPath("spec")
	errs = append(errs, podspec.ValidatePodSpecForPod(&pod.Spec, &pod.ObjectMeta, specPath)...)
	for i, c := range pod.Spec.Containers {
		errs = append(errs, validateContainerOnlyForPod(&c, specPath.Child("containers").Index(i))...)
	}
	for i, c := range pod.Spec.InitContainers {
		errs = append(errs, validateContainerOnlyForPod(&c, specPath.Child("initContainers").Index(i))...)
	}
	return errs
}

func validateContainerOnlyForPod(c *corev1.Container, p *field.Path) field.ErrorList {
	if len(c.Image) != len(strings.TrimSpace(c.Image)) {
		return field.ErrorList{field.Invalid(p.Child("image"), c.Image, "must not have leading or trailing whitespace")}
	}
	return nil
}

// ValidateCreate validates a new pod as upstream's ValidatePodCreate.
func ValidateCreate(pod *corev1.Pod) field.ErrorList {
	errs := validateMetadataAndSpec(pod)
	if len(pod.Spec.EphemeralContainers) > 0 {
		errs = append(errs, field.Forbidden(field.NewPath("spec", "ephemeralContainers"), "cannot be set on create"))
	}
	return errs
}

// validateContainerUpdates forbids adding or removing containers and
// checks the new images; stop is true when the lists' lengths differ.
func validateContainerUpdates(cur, prev []corev1.Container, fldPath *field.Path) (field.ErrorList, bool) {
	if len(cur) != len(prev) {
		return field.ErrorList{field.Forbidden(fldPath, "pod updates may not add or remove containers")}, true
	}
	var errs field.ErrorList
	for i, c := range cur {
		if c.Image == "" {
			errs = append(errs, field.Required(fldPath.Index(i).Child("image"), ""))
		}
		if len(c.Image) != len(strings.TrimSpace(c.Image)) {
			errs = append(errs, field.Invalid(fldPath.Index(i).Child("image"), c.Image, "must not have leading or trailing whitespace"))
		}
	}
	return errs, false
}

// ValidateUpdate is upstream's ValidatePodUpdate: besides metadata only
// images, activeDeadlineSeconds, new tolerations, scheduling gate removal
// and a fixed-up grace period may change.
func ValidateUpdate(pod, old *corev1.Pod) field.ErrorList {
	errs := validation.ValidateObjectMetaUpdate(&pod.ObjectMeta, &old.ObjectMeta, field.NewPath("metadata"))
	errs = append(errs, validateMetadataAndSpec(pod)...)
	specPath := field.NewPath("spec")
	cErrs, stop := validateContainerUpdates(pod.Spec.Containers, old.Spec.Containers, specPath.Child("containers"))
	errs = append(errs, cErrs...)
	if stop {
		return errs
	}
	cErrs, stop = validateContainerUpdates(pod.Spec.InitContainers, old.Spec.InitContainers, specPath.Child("initContainers"))
	errs = append(errs, cErrs...)
	if stop {
		return errs
	}
	if pod.Spec.ActiveDeadlineSeconds != nil {
		v := *pod.Spec.ActiveDeadlineSeconds
		if v < 0 || v > math.MaxInt32 {
			errs = append(errs, field.Invalid(specPath.Child("activeDeadlineSeconds"), v, utilvalidation.InclusiveRangeError(0, math.MaxInt32)))
			return errs
		}
		if old.Spec.ActiveDeadlineSeconds != nil && v > *old.Spec.ActiveDeadlineSeconds {
			errs = append(errs, field.Invalid(specPath.Child("activeDeadlineSeconds"), v, "must be less than or equal to previous value"))
			return errs
		}
	} else if old.Spec.ActiveDeadlineSeconds != nil {
		errs = append(errs, field.Invalid(specPath.Child("activeDeadlineSeconds"), pod.Spec.ActiveDeadlineSeconds, "must not update from a positive integer to nil value"))
	}
	if len(pod.Spec.SchedulingGates) > 0 || len(old.Spec.SchedulingGates) > 0 {
		oldGates := map[string]bool{}
		for _, g := range old.Spec.SchedulingGates {
			oldGates[g.Name] = true
		}
		for i, g := range pod.Spec.SchedulingGates {
			if !oldGates[g.Name] {
				errs = append(errs, field.Forbidden(specPath.Child("schedulingGates").Index(i), "only deletion is allowed, but found new scheduling gate '"+g.Name+"'"))
			}
		}
	}
	if len(pod.Spec.Tolerations) < len(old.Spec.Tolerations) {
		errs = append(errs, field.Forbidden(specPath.Child("tolerations"), "existing toleration can not be modified except its tolerationSeconds"))
	}

	munged := pod.Spec.DeepCopy()
	for i := range munged.Containers {
		munged.Containers[i].Image = old.Spec.Containers[i].Image
	}
	for i := range munged.InitContainers {
		munged.InitContainers[i].Image = old.Spec.InitContainers[i].Image
	}
	munged.ActiveDeadlineSeconds = old.Spec.ActiveDeadlineSeconds
	munged.SchedulingGates = old.Spec.SchedulingGates
	munged.Tolerations = old.Spec.Tolerations
	if old.Spec.TerminationGracePeriodSeconds != nil && *old.Spec.TerminationGracePeriodSeconds < 0 &&
		munged.TerminationGracePeriodSeconds != nil && *munged.TerminationGracePeriodSeconds == 1 {
		munged.TerminationGracePeriodSeconds = old.Spec.TerminationGracePeriodSeconds
	}
	if len(old.Spec.SchedulingGates) > 0 {
		// gated pods may get node selectors and affinity added
		munged.NodeSelector = old.Spec.NodeSelector
		munged.Affinity = old.Spec.Affinity
	}
	if !apiequality.Semantic.DeepEqual(*munged, old.Spec) {
		errs = append(errs, field.Forbidden(specPath, fmt.Sprintf("pod updates may not change fields other than %s\n%s",
			strings.Join(updatablePodSpecFields, ","), specDiff(&old.Spec, munged))))
	}
	return errs
}

// specDiff names the top-level spec fields that differ, a short stand-in
// for upstream's full diff.
func specDiff(old, cur *corev1.PodSpec) string {
	var b strings.Builder
	b.WriteString("  core.PodSpec{\n")
	if !apiequality.Semantic.DeepEqual(old.Containers, cur.Containers) {
		b.WriteString("  \t... // containers differ\n")
	}
	if !apiequality.Semantic.DeepEqual(old.Volumes, cur.Volumes) {
		b.WriteString("  \t... // volumes differ\n")
	}
	b.WriteString("  }\n")
	return b.String()
}

// ValidateStatusUpdate checks a pods/status write.
func ValidateStatusUpdate(pod, old *corev1.Pod) field.ErrorList {
	errs := validation.ValidateObjectMetaUpdate(&pod.ObjectMeta, &old.ObjectMeta, field.NewPath("metadata"))
	status := field.NewPath("status")
	if n := pod.Status.NominatedNodeName; n != "" {
		for _, msg := range validation.NameIsDNSSubdomain(n, false) {
			errs = append(errs, field.Invalid(status.Child("nominatedNodeName"), n, msg))
		}
	}
	terminal := func(p corev1.PodPhase) bool { return p == corev1.PodSucceeded || p == corev1.PodFailed }
	if terminal(old.Status.Phase) && pod.Status.Phase != old.Status.Phase {
		errs = append(errs, field.Forbidden(status.Child("phase"), fmt.Sprintf("cannot transition from terminal phase %q to %q", old.Status.Phase, pod.Status.Phase)))
	}
	errs = append(errs, validateIPs(pod.Status.PodIPs, status.Child("podIPs"))...)
	for i, ip := range pod.Status.HostIPs {
		if _, err := netip.ParseAddr(ip.IP); err != nil {
			errs = append(errs, field.Invalid(status.Child("hostIPs").Index(i).Child("ip"), ip.IP, "must be a valid IP address"))
		}
	}
	if pod.Status.QOSClass != old.Status.QOSClass && old.Status.QOSClass != "" {
		errs = append(errs, field.Invalid(status.Child("qosClass"), pod.Status.QOSClass, "field is immutable"))
	}
	return errs
}

func validateIPs(ips []corev1.PodIP, fldPath *field.Path) field.ErrorList {
	var errs field.ErrorList
	seen := map[string]bool{}
	for i, ip := range ips {
		p := fldPath.Index(i).Child("ip")
		if _, err := netip.ParseAddr(ip.IP); err != nil {
			errs = append(errs, field.Invalid(p, ip.IP, "must be a valid IP address"))
		}
		if seen[ip.IP] {
			errs = append(errs, field.Duplicate(p, ip.IP))
		}
		seen[ip.IP] = true
	}
	if len(ips) > 2 {
		errs = append(errs, field.TooMany(fldPath, len(ips), 2))
	}
	return errs
}

// ValidateEphemeralContainersUpdate validates the new ephemeral containers
// and forbids changing or removing existing ones.
func ValidateEphemeralContainersUpdate(pod, old *corev1.Pod) field.ErrorList {
	errs := validation.ValidateObjectMetaUpdate(&pod.ObjectMeta, &old.ObjectMeta, field.NewPath("metadata"))
	specPath := field.NewPath("spec")
	errs = append(errs, podspec.ValidatePodSpecForPod(&pod.Spec, &pod.ObjectMeta, specPath)...)
	byName := map[string]*corev1.EphemeralContainer{}
	for i := range pod.Spec.EphemeralContainers {
		byName[pod.Spec.EphemeralContainers[i].Name] = &pod.Spec.EphemeralContainers[i]
	}
	for _, oc := range old.Spec.EphemeralContainers {
		nc, ok := byName[oc.Name]
		if !ok {
			errs = append(errs, field.Forbidden(specPath.Child("ephemeralContainers"), fmt.Sprintf("existing ephemeral containers %q may not be removed\n", oc.Name)))
		} else if !apiequality.Semantic.DeepEqual(oc, *nc) {
			errs = append(errs, field.Forbidden(specPath.Child("ephemeralContainers"), fmt.Sprintf("existing ephemeral containers %q may not be changed\n", oc.Name)))
		}
	}
	return errs
}

// ValidateResize checks a pods/resize write: valid resources, and a QoS
// class that does not change.
func ValidateResize(pod, old *corev1.Pod) field.ErrorList {
	errs := validation.ValidateObjectMetaUpdate(&pod.ObjectMeta, &old.ObjectMeta, field.NewPath("metadata"))
	specPath := field.NewPath("spec")
	errs = append(errs, podspec.ValidatePodSpecForPod(&pod.Spec, &pod.ObjectMeta, specPath)...)
	if len(pod.Spec.Containers) != len(old.Spec.Containers) {
		return append(errs, field.Forbidden(specPath.Child("containers"), "containers may not be added or removed on resize"))
	}
	if old.Spec.NodeName != "" && (old.Status.Phase == corev1.PodSucceeded || old.Status.Phase == corev1.PodFailed) {
		errs = append(errs, field.Forbidden(field.NewPath(""), "Pod running on node without support for resize"))
	}
	if q := GetPodQOS(pod); q != GetPodQOS(old) {
		errs = append(errs, field.Invalid(specPath, q, "Pod QOS Class may not change as a result of resizing"))
	}
	munged := pod.Spec.DeepCopy()
	for i := range munged.Containers {
		munged.Containers[i].Resources = old.Spec.Containers[i].Resources
		munged.Containers[i].ResizePolicy = old.Spec.Containers[i].ResizePolicy
	}
	for i := range munged.InitContainers {
		if i < len(old.Spec.InitContainers) {
			munged.InitContainers[i].Resources = old.Spec.InitContainers[i].Resources
			munged.InitContainers[i].ResizePolicy = old.Spec.InitContainers[i].ResizePolicy
		}
	}
	munged.Resources = old.Spec.Resources
	if !apiequality.Semantic.DeepEqual(*munged, old.Spec) {
		errs = append(errs, field.Forbidden(specPath, "only cpu and memory resources are mutable"))
	}
	return errs
}
