package flowschema

import (
	"fmt"

	flowcontrolv1 "k8s.io/api/flowcontrol/v1"
	"k8s.io/apimachinery/pkg/api/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/skiff-k8s/skiff/apis"
)

// maxMatchingPrecedence is upstream's FlowSchemaMaxMatchingPrecedence.
const maxMatchingPrecedence = 10000

func init() {
	apis.Scheme.AddTypeDefaultingFunc(&flowcontrolv1.FlowSchema{}, func(obj interface{}) {
		fs := obj.(*flowcontrolv1.FlowSchema)
		if fs.Spec.MatchingPrecedence == 0 {
			fs.Spec.MatchingPrecedence = 1000
		}
	})
}

func prepareForCreate(*flowcontrolv1.FlowSchema)      {}
func prepareForUpdate(_, _ *flowcontrolv1.FlowSchema) {}

// Validate checks a FlowSchema's spec as upstream does (the fixed specs of
// the mandatory schemas are not enforced).
func Validate(fs *flowcontrolv1.FlowSchema) field.ErrorList {
	errs := validation.ValidateObjectMeta(&fs.ObjectMeta, false, validation.NameIsDNSSubdomain, field.NewPath("metadata"))
	p := field.NewPath("spec")
	s := &fs.Spec
	switch {
	case s.MatchingPrecedence <= 0:
		errs = append(errs, field.Invalid(p.Child("matchingPrecedence"), s.MatchingPrecedence, "must be a positive value"))
	case s.MatchingPrecedence > maxMatchingPrecedence:
		errs = append(errs, field.Invalid(p.Child("matchingPrecedence"), s.MatchingPrecedence, fmt.Sprintf("must not be greater than %v", maxMatchingPrecedence)))
	case s.MatchingPrecedence == 1 && fs.Name != flowcontrolv1.FlowSchemaNameExempt:
		errs = append(errs, field.Invalid(p.Child("matchingPrecedence"), s.MatchingPrecedence, "only the schema named 'exempt' may have matchingPrecedence 1"))
	}
	if d := s.DistinguisherMethod; d != nil && d.Type != flowcontrolv1.FlowDistinguisherMethodByUserType && d.Type != flowcontrolv1.FlowDistinguisherMethodByNamespaceType {
		errs = append(errs, field.NotSupported(p.Child("distinguisherMethod", "type"), d, []string{string(flowcontrolv1.FlowDistinguisherMethodByNamespaceType), string(flowcontrolv1.FlowDistinguisherMethodByUserType)}))
	}
	if name := s.PriorityLevelConfiguration.Name; name == "" {
		errs = append(errs, field.Required(p.Child("priorityLevelConfiguration", "name"), "must reference a priority level"))
	} else {
		for _, msg := range validation.NameIsDNSSubdomain(name, false) {
			errs = append(errs, field.Invalid(p.Child("priorityLevelConfiguration", "name"), name, msg))
		}
	}
	for i, r := range s.Rules {
		rp := p.Child("rules").Index(i)
		if len(r.Subjects) == 0 {
			errs = append(errs, field.Required(rp.Child("subjects"), "subjects must contain at least one value"))
		}
		for j, sub := range r.Subjects {
			errs = append(errs, validateSubject(sub, rp.Child("subjects").Index(j))...)
		}
		if len(r.ResourceRules) == 0 && len(r.NonResourceRules) == 0 {
			errs = append(errs, field.Required(rp, "at least one of resourceRules and nonResourceRules has to be non-empty"))
		}
		for j, rr := range r.ResourceRules {
			rrp := rp.Child("resourceRules").Index(j)
			if len(rr.Verbs) == 0 {
				errs = append(errs, field.Required(rrp.Child("verbs"), "verbs must contain at least one value"))
			}
			if len(rr.APIGroups) == 0 {
				errs = append(errs, field.Required(rrp.Child("apiGroups"), "resource rules must supply at least one api group"))
			}
			if len(rr.Resources) == 0 {
				errs = append(errs, field.Required(rrp.Child("resources"), "resource rules must supply at least one resource"))
			}
			if len(rr.Namespaces) == 0 && !rr.ClusterScope {
				errs = append(errs, field.Required(rrp.Child("namespaces"), "resource rules that are not cluster scoped must supply at least one namespace"))
			}
		}
		for j, nr := range r.NonResourceRules {
			nrp := rp.Child("nonResourceRules").Index(j)
			if len(nr.Verbs) == 0 {
				errs = append(errs, field.Required(nrp.Child("verbs"), "verbs must contain at least one value"))
			}
			if len(nr.NonResourceURLs) == 0 {
				errs = append(errs, field.Required(nrp.Child("nonResourceURLs"), "nonResourceURLs must contain at least one value"))
			}
		}
	}
	return errs
}

func validateSubject(s flowcontrolv1.Subject, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	switch s.Kind {
	case flowcontrolv1.SubjectKindServiceAccount:
		if s.ServiceAccount == nil {
			return append(errs, field.Required(p.Child("serviceAccount"), "serviceAccount is required when subject kind is 'ServiceAccount'"))
		}
		if s.ServiceAccount.Name == "" {
			errs = append(errs, field.Required(p.Child("serviceAccount", "name"), ""))
		}
		if s.ServiceAccount.Namespace == "" {
			errs = append(errs, field.Required(p.Child("serviceAccount", "namespace"), "must specify namespace for service account"))
		}
		if s.User != nil {
			errs = append(errs, field.Forbidden(p.Child("user"), "user is forbidden when subject kind is not 'User'"))
		}
		if s.Group != nil {
			errs = append(errs, field.Forbidden(p.Child("group"), "group is forbidden when subject kind is not 'Group'"))
		}
	case flowcontrolv1.SubjectKindUser:
		if s.User == nil {
			return append(errs, field.Required(p.Child("user"), "user is required when subject kind is 'User'"))
		}
		if s.User.Name == "" {
			errs = append(errs, field.Required(p.Child("user", "name"), ""))
		}
		if s.Group != nil {
			errs = append(errs, field.Forbidden(p.Child("group"), "group is forbidden when subject kind is not 'Group'"))
		}
		if s.ServiceAccount != nil {
			errs = append(errs, field.Forbidden(p.Child("serviceAccount"), "serviceAccount is forbidden when subject kind is not 'ServiceAccount'"))
		}
	case flowcontrolv1.SubjectKindGroup:
		if s.Group == nil {
			return append(errs, field.Required(p.Child("group"), "group is required when subject kind is 'Group'"))
		}
		if s.Group.Name == "" {
			errs = append(errs, field.Required(p.Child("group", "name"), ""))
		}
		if s.ServiceAccount != nil {
			errs = append(errs, field.Forbidden(p.Child("serviceAccount"), "serviceAccount is forbidden when subject kind is not 'ServiceAccount'"))
		}
		if s.User != nil {
			errs = append(errs, field.Forbidden(p.Child("user"), "user is forbidden when subject kind is not 'User'"))
		}
	default:
		errs = append(errs, field.NotSupported(p.Child("kind"), s.Kind, []string{string(flowcontrolv1.SubjectKindGroup), string(flowcontrolv1.SubjectKindServiceAccount), string(flowcontrolv1.SubjectKindUser)}))
	}
	return errs
}

// ValidateUpdate checks an update of a FlowSchema.
func ValidateUpdate(fs, old *flowcontrolv1.FlowSchema) field.ErrorList {
	errs := validation.ValidateObjectMetaUpdate(&fs.ObjectMeta, &old.ObjectMeta, field.NewPath("metadata"))
	return append(errs, Validate(fs)...)
}

// ValidateStatusUpdate checks a write to /status.
func ValidateStatusUpdate(fs, old *flowcontrolv1.FlowSchema) field.ErrorList {
	return validation.ValidateObjectMetaUpdate(&fs.ObjectMeta, &old.ObjectMeta, field.NewPath("metadata"))
}
