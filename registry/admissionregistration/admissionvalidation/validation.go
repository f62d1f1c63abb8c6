// Package admissionvalidation holds the defaulting and validation the
// admissionregistration.k8s.io/v1 resources share, mirroring upstream's
// pkg/apis/admissionregistration/v1/defaults.go and
// pkg/apis/admissionregistration/validation (without compiling CEL).
package admissionvalidation

import (
	"fmt"
	"sort"
	"strings"

	arv1 "k8s.io/api/admissionregistration/v1"
	"k8s.io/apimachinery/pkg/api/validate/content"
	"k8s.io/apimachinery/pkg/api/validation"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	metav1validation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	utilvalidation "k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/apiserver/pkg/util/webhook"
	"k8s.io/utils/ptr"
)

// Defaulting.

// DefaultRule gives a rule the "*" scope.
func DefaultRule(r *arv1.Rule) {
	if r.Scope == nil {
		r.Scope = ptr.To(arv1.AllScopes)
	}
}

// DefaultClientConfig gives a service reference port 443.
func DefaultClientConfig(cc *arv1.WebhookClientConfig) {
	if cc.Service != nil && cc.Service.Port == nil {
		cc.Service.Port = ptr.To[int32](443)
	}
}

// DefaultWebhook sets the defaults common to validating and mutating webhooks.
func DefaultWebhook(failurePolicy **arv1.FailurePolicyType, matchPolicy **arv1.MatchPolicyType, nsSel, objSel **metav1.LabelSelector, timeout **int32, cc *arv1.WebhookClientConfig, rules []arv1.RuleWithOperations) {
	if *failurePolicy == nil {
		*failurePolicy = ptr.To(arv1.Fail)
	}
	if *matchPolicy == nil {
		*matchPolicy = ptr.To(arv1.Equivalent)
	}
	if *nsSel == nil {
		*nsSel = &metav1.LabelSelector{}
	}
	if *objSel == nil {
		*objSel = &metav1.LabelSelector{}
	}
	if *timeout == nil {
		*timeout = ptr.To[int32](10)
	}
	DefaultClientConfig(cc)
	for i := range rules {
		DefaultRule(&rules[i].Rule)
	}
}

// DefaultMatchResources defaults a policy's or binding's match resources.
func DefaultMatchResources(m *arv1.MatchResources) {
	if m == nil {
		return
	}
	if m.MatchPolicy == nil {
		m.MatchPolicy = ptr.To(arv1.Equivalent)
	}
	if m.NamespaceSelector == nil {
		m.NamespaceSelector = &metav1.LabelSelector{}
	}
	if m.ObjectSelector == nil {
		m.ObjectSelector = &metav1.LabelSelector{}
	}
	for i := range m.ResourceRules {
		DefaultRule(&m.ResourceRules[i].Rule)
	}
	for i := range m.ExcludeResourceRules {
		DefaultRule(&m.ExcludeResourceRules[i].Rule)
	}
}

// Validation.

func list(vals ...string) []string {
	out := append([]string(nil), vals...)
	sort.Strings(out)
	return out
}

func has(vals []string, v string) bool {
	for _, x := range vals {
		if x == v {
			return true
		}
	}
	return false
}

var (
	failurePolicies     = list(string(arv1.Ignore), string(arv1.Fail))
	matchPolicies       = list(string(arv1.Exact), string(arv1.Equivalent))
	noSideEffects       = list(string(arv1.SideEffectClassNone), string(arv1.SideEffectClassNoneOnDryRun))
	operations          = list(string(arv1.OperationAll), string(arv1.Create), string(arv1.Update), string(arv1.Delete), string(arv1.Connect))
	mutatingOperations  = list(string(arv1.OperationAll), string(arv1.Create), string(arv1.Update), string(arv1.Connect))
	reinvocation        = list(string(arv1.NeverReinvocationPolicy), string(arv1.IfNeededReinvocationPolicy))
	scopes              = list(string(arv1.ClusterScope), string(arv1.NamespacedScope), string(arv1.AllScopes))
	validationActions   = list(string(arv1.Deny), string(arv1.Warn), string(arv1.Audit))
	reasons             = list(string(metav1.StatusReasonForbidden), string(metav1.StatusReasonInvalid), string(metav1.StatusReasonRequestEntityTooLarge))
	patchTypes          = list(string(arv1.PatchTypeApplyConfiguration), string(arv1.PatchTypeJSONPatch))
	reviewVersions      = []string{"v1", "v1beta1"}
	maxAuditAnnotations = 20
)

func hasWildcard(s []string) bool { return has(s, "*") }

func validateResources(resources []string, fldPath *field.Path) field.ErrorList {
	var errs field.ErrorList
	if len(resources) == 0 {
		errs = append(errs, field.Required(fldPath, ""))
	}
	wildSub := map[string]bool{}
	wildRes := map[string]bool{}
	double, single, plain := false, false, false
	for i, rs := range resources {
		if rs == "" {
			errs = append(errs, field.Required(fldPath.Index(i), ""))
			continue
		}
		if rs == "*/*" {
			double = true
		}
		if rs == "*" {
			single = true
		}
		parts := strings.SplitN(rs, "/", 2)
		if len(parts) == 1 {
			plain = rs != "*"
			continue
		}
		res, sub := parts[0], parts[1]
		if wildSub[res] {
			errs = append(errs, field.Invalid(fldPath.Index(i), rs, fmt.Sprintf("if '%s/*' is present, must not specify %s", res, rs)))
		}
		if wildRes[sub] {
			errs = append(errs, field.Invalid(fldPath.Index(i), rs, fmt.Sprintf("if '*/%s' is present, must not specify %s", sub, rs)))
		}
		if sub == "*" {
			wildSub[res] = true
		}
		if res == "*" {
			wildRes[sub] = true
		}
	}
	if len(resources) > 1 && double {
		errs = append(errs, field.Invalid(fldPath, resources, "if '*/*' is present, must not specify other resources"))
	}
	if single && plain {
		errs = append(errs, field.Invalid(fldPath, resources, "if '*' is present, must not specify other resources without subresources"))
	}
	return errs
}

func validateRule(rule *arv1.Rule, fldPath *field.Path) field.ErrorList {
	var errs field.ErrorList
	if len(rule.APIGroups) == 0 {
		errs = append(errs, field.Required(fldPath.Child("apiGroups"), ""))
	}
	if len(rule.APIGroups) > 1 && hasWildcard(rule.APIGroups) {
		errs = append(errs, field.Invalid(fldPath.Child("apiGroups"), rule.APIGroups, "if '*' is present, must not specify other API groups"))
	}
	if len(rule.APIVersions) == 0 {
		errs = append(errs, field.Required(fldPath.Child("apiVersions"), ""))
	}
	if len(rule.APIVersions) > 1 && hasWildcard(rule.APIVersions) {
		errs = append(errs, field.Invalid(fldPath.Child("apiVersions"), rule.APIVersions, "if '*' is present, must not specify other API versions"))
	}
	for i, v := range rule.APIVersions {
		if v == "" {
			errs = append(errs, field.Required(fldPath.Child("apiVersions").Index(i), ""))
		}
	}
	errs = append(errs, validateResources(rule.Resources, fldPath.Child("resources"))...)
	if rule.Scope != nil && !has(scopes, string(*rule.Scope)) {
		errs = append(errs, field.NotSupported(fldPath.Child("scope"), *rule.Scope, scopes))
	}
	return errs
}

// ValidateRuleWithOperations checks one webhook or policy rule.
func ValidateRuleWithOperations(r *arv1.RuleWithOperations, fldPath *field.Path) field.ErrorList {
	var errs field.ErrorList
	if len(r.Operations) == 0 {
		errs = append(errs, field.Required(fldPath.Child("operations"), ""))
	}
	wild := false
	for _, o := range r.Operations {
		wild = wild || o == arv1.OperationAll
	}
	if len(r.Operations) > 1 && wild {
		errs = append(errs, field.Invalid(fldPath.Child("operations"), r.Operations, "if '*' is present, must not specify other operations"))
	}
	for i, o := range r.Operations {
		if !has(operations, string(o)) {
			errs = append(errs, field.NotSupported(fldPath.Child("operations").Index(i), o, operations))
		}
	}
	return append(errs, validateRule(&r.Rule, fldPath)...)
}

// Webhook is the part of a validating or mutating webhook that is validated
// the same way.
type Webhook struct {
	Name                    string
	ClientConfig            arv1.WebhookClientConfig
	Rules                   []arv1.RuleWithOperations
	FailurePolicy           *arv1.FailurePolicyType
	MatchPolicy             *arv1.MatchPolicyType
	NamespaceSelector       *metav1.LabelSelector
	ObjectSelector          *metav1.LabelSelector
	SideEffects             *arv1.SideEffectClass
	TimeoutSeconds          *int32
	AdmissionReviewVersions []string
	MatchConditions         []arv1.MatchCondition
}

// ValidateWebhooks checks the webhooks of a configuration as upstream does
// for creates through v1: unique qualified names, a side-effect class of
// None or NoneOnDryRun, an accepted AdmissionReview version, exactly one of
// url and service.
func ValidateWebhooks(hooks []Webhook) field.ErrorList {
	var errs field.ErrorList
	names := map[string]bool{}
	for i, h := range hooks {
		p := field.NewPath("webhooks").Index(i)
		errs = append(errs, validateWebhook(&h, p)...)
		errs = append(errs, validateReviewVersions(h.AdmissionReviewVersions, p.Child("admissionReviewVersions"))...)
		if h.Name != "" {
			if names[h.Name] {
				errs = append(errs, field.Duplicate(p.Child("name"), h.Name))
			}
			names[h.Name] = true
		}
	}
	return errs
}

func validateWebhook(h *Webhook, p *field.Path) field.ErrorList {
	errs := utilvalidation.IsFullyQualifiedName(p.Child("name"), h.Name)
	for i := range h.Rules {
		errs = append(errs, ValidateRuleWithOperations(&h.Rules[i], p.Child("rules").Index(i))...)
	}
	if h.FailurePolicy != nil && !has(failurePolicies, string(*h.FailurePolicy)) {
		errs = append(errs, field.NotSupported(p.Child("failurePolicy"), *h.FailurePolicy, failurePolicies))
	}
	if h.MatchPolicy != nil && !has(matchPolicies, string(*h.MatchPolicy)) {
		errs = append(errs, field.NotSupported(p.Child("matchPolicy"), *h.MatchPolicy, matchPolicies))
	}
	if h.SideEffects == nil {
		errs = append(errs, field.Required(p.Child("sideEffects"), fmt.Sprintf("must specify one of %v", strings.Join(noSideEffects, ", "))))
	} else if !has(noSideEffects, string(*h.SideEffects)) {
		errs = append(errs, field.NotSupported(p.Child("sideEffects"), *h.SideEffects, noSideEffects))
	}
	if h.TimeoutSeconds != nil && (*h.TimeoutSeconds > 30 || *h.TimeoutSeconds < 1) {
		errs = append(errs, field.Invalid(p.Child("timeoutSeconds"), *h.TimeoutSeconds, "the timeout value must be between 1 and 30 seconds"))
	}
	if h.NamespaceSelector != nil {
		errs = append(errs, metav1validation.ValidateLabelSelector(h.NamespaceSelector, metav1validation.LabelSelectorValidationOptions{}, p.Child("namespaceSelector"))...)
	}
	if h.ObjectSelector != nil {
		errs = append(errs, metav1validation.ValidateLabelSelector(h.ObjectSelector, metav1validation.LabelSelectorValidationOptions{}, p.Child("objectSelector"))...)
	}
	cc := h.ClientConfig
	switch {
	case (cc.URL == nil) == (cc.Service == nil):
		errs = append(errs, field.Required(p.Child("clientConfig"), "exactly one of url or service is required"))
	case cc.URL != nil:
		errs = append(errs, webhook.ValidateWebhookURL(p.Child("clientConfig", "url"), *cc.URL, true)...)
	default:
		port := int32(443)
		if cc.Service.Port != nil {
			port = *cc.Service.Port
		}
		errs = append(errs, webhook.ValidateWebhookService(p.Child("clientConfig", "service"), cc.Service.Name, cc.Service.Namespace, cc.Service.Path, port)...)
	}
	return append(errs, ValidateMatchConditions(h.MatchConditions, p.Child("matchConditions"))...)
}

// ValidateReinvocationPolicy checks a mutating webhook's reinvocationPolicy.
func ValidateReinvocationPolicy(r *arv1.ReinvocationPolicyType, p *field.Path) field.ErrorList {
	if r != nil && !has(reinvocation, string(*r)) {
		return field.ErrorList{field.NotSupported(p, *r, reinvocation)}
	}
	return nil
}

func validateReviewVersions(versions []string, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	if len(versions) == 0 {
		return append(errs, field.Required(p, fmt.Sprintf("must specify one of %v", strings.Join(reviewVersions, ", "))))
	}
	seen := map[string]bool{}
	accepted := false
	for i, v := range versions {
		if seen[v] {
			errs = append(errs, field.Invalid(p.Index(i), v, "duplicate version"))
			continue
		}
		seen[v] = true
		for _, msg := range utilvalidation.IsDNS1035Label(v) {
			errs = append(errs, field.Invalid(p.Index(i), v, msg))
		}
		accepted = accepted || has(reviewVersions, v)
	}
	if !accepted {
		errs = append(errs, field.Invalid(p, versions, fmt.Sprintf("must include at least one of %v", strings.Join(reviewVersions, ", "))))
	}
	return errs
}

// ValidateMatchConditions checks names and that expressions are given (the
// CEL is not compiled).
func ValidateMatchConditions(m []arv1.MatchCondition, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	if len(m) > 64 {
		errs = append(errs, field.TooMany(p, len(m), 64))
	}
	names := map[string]bool{}
	for i, c := range m {
		if strings.TrimSpace(c.Expression) == "" {
			errs = append(errs, field.Required(p.Index(i).Child("expression"), ""))
		}
		if c.Name == "" {
			errs = append(errs, field.Required(p.Index(i).Child("name"), ""))
		} else {
			errs = append(errs, validateQualifiedName(c.Name, p.Index(i).Child("name"))...)
			if names[c.Name] {
				errs = append(errs, field.Duplicate(p.Index(i).Child("name"), c.Name))
			}
			names[c.Name] = true
		}
	}
	return errs
}

// ValidateFailurePolicy requires a supported failurePolicy (policies).
func ValidateFailurePolicy(fp *arv1.FailurePolicyType, p *field.Path) field.ErrorList {
	if fp == nil {
		return field.ErrorList{field.Required(p, "")}
	}
	if !has(failurePolicies, string(*fp)) {
		return field.ErrorList{field.NotSupported(p, *fp, failurePolicies)}
	}
	return nil
}

// ValidateParamKind checks a policy's paramKind.
func ValidateParamKind(gvk arv1.ParamKind, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	if gvk.APIVersion == "" {
		errs = append(errs, field.Required(p.Child("apiVersion"), ""))
	} else {
		group, version := "", gvk.APIVersion
		switch strings.Count(gvk.APIVersion, "/") {
		case 0:
		case 1:
			i := strings.Index(gvk.APIVersion, "/")
			group, version = gvk.APIVersion[:i], gvk.APIVersion[i+1:]
		default:
			errs = append(errs, field.Invalid(p.Child("apiVersion"), gvk.APIVersion, "unexpected GroupVersion string: "+gvk.APIVersion))
			version = "x"
		}
		if group != "" {
			if msgs := utilvalidation.IsDNS1123Subdomain(group); len(msgs) > 0 {
				errs = append(errs, field.Invalid(p.Child("apiVersion"), group, strings.Join(msgs, ",")))
			}
		}
		if version == "" {
			errs = append(errs, field.Invalid(p.Child("apiVersion"), gvk.APIVersion, "version must be specified"))
		} else if msgs := utilvalidation.IsDNS1035Label(version); len(msgs) > 0 && version != "x" {
			errs = append(errs, field.Invalid(p.Child("apiVersion"), version, strings.Join(msgs, ",")))
		}
	}
	if gvk.Kind == "" {
		errs = append(errs, field.Required(p.Child("kind"), ""))
	} else if msgs := utilvalidation.IsDNS1035Label(strings.ToLower(gvk.Kind)); len(msgs) > 0 {
		errs = append(errs, field.Invalid(p.Child("kind"), gvk.Kind, "may have mixed case, but should otherwise match: "+strings.Join(msgs, ",")))
	}
	return errs
}

// ValidateMatchResources checks a policy's matchConstraints or a binding's
// matchResources; mutating restricts the operations.
func ValidateMatchResources(mc *arv1.MatchResources, p *field.Path, mutating bool) field.ErrorList {
	if mc == nil {
		return nil
	}
	var errs field.ErrorList
	if mc.MatchPolicy == nil {
		errs = append(errs, field.Required(p.Child("matchPolicy"), ""))
	} else if !has(matchPolicies, string(*mc.MatchPolicy)) {
		errs = append(errs, field.NotSupported(p.Child("matchPolicy"), *mc.MatchPolicy, matchPolicies))
	}
	if mc.NamespaceSelector == nil {
		errs = append(errs, field.Required(p.Child("namespaceSelector"), ""))
	} else {
		errs = append(errs, metav1validation.ValidateLabelSelector(mc.NamespaceSelector, metav1validation.LabelSelectorValidationOptions{}, p.Child("namespaceSelector"))...)
	}
	if mc.ObjectSelector == nil {
		errs = append(errs, field.Required(p.Child("objectSelector"), ""))
	} else {
		errs = append(errs, metav1validation.ValidateLabelSelector(mc.ObjectSelector, metav1validation.LabelSelectorValidationOptions{}, p.Child("objectSelector"))...)
	}
	for i := range mc.ResourceRules {
		errs = append(errs, validateNamedRule(&mc.ResourceRules[i], p.Child("resourceRules").Index(i))...)
	}
	for i := range mc.ExcludeResourceRules {
		errs = append(errs, validateNamedRule(&mc.ExcludeResourceRules[i], p.Child("excludeResourceRules").Index(i))...)
	}
	if mutating {
		for _, r := range mc.ResourceRules {
			for _, op := range r.Operations {
				if !has(mutatingOperations, string(op)) {
					errs = append(errs, field.NotSupported(p.Child("resourceRules", "operations"), op, mutatingOperations))
				}
			}
		}
	}
	return errs
}

func validateNamedRule(n *arv1.NamedRuleWithOperations, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	seen := map[string]bool{}
	for i, name := range n.ResourceNames {
		for _, msg := range content.IsPathSegmentName(name) {
			errs = append(errs, field.Invalid(p.Child("resourceNames").Index(i), name, msg))
		}
		if seen[name] {
			errs = append(errs, field.Duplicate(p.Child("resourceNames").Index(i), name))
		}
		seen[name] = true
	}
	return append(errs, ValidateRuleWithOperations(&n.RuleWithOperations, p)...)
}

// ValidateVariables checks variable names and expressions are given.
func ValidateVariables(vars []arv1.Variable, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	for i, v := range vars {
		if v.Name == "" {
			errs = append(errs, field.Required(p.Index(i).Child("name"), "name is not specified"))
		}
		if strings.TrimSpace(v.Expression) == "" {
			errs = append(errs, field.Required(p.Index(i).Child("expression"), "expression is not specified"))
		}
	}
	return errs
}

// ValidateValidations checks a ValidatingAdmissionPolicy's validations.
func ValidateValidations(vs []arv1.Validation, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	for i, v := range vs {
		vp := p.Index(i)
		if strings.TrimSpace(v.Expression) == "" {
			errs = append(errs, field.Required(vp.Child("expression"), "expression is not specified"))
		}
		if v.MessageExpression != "" && strings.TrimSpace(v.MessageExpression) == "" {
			errs = append(errs, field.Invalid(vp.Child("messageExpression"), v.MessageExpression, "must be non-empty if specified"))
		}
		msg := strings.TrimSpace(v.Message)
		if v.Message != "" && msg == "" {
			errs = append(errs, field.Invalid(vp.Child("message"), v.Message, "must be non-empty if specified"))
		} else if strings.ContainsAny(msg, "\n\r") {
			errs = append(errs, field.Invalid(vp.Child("message"), v.Message, "must not contain line breaks"))
		}
		if v.Reason != nil && !has(reasons, string(*v.Reason)) {
			errs = append(errs, field.NotSupported(vp.Child("reason"), *v.Reason, reasons))
		}
	}
	return errs
}

// ValidateAuditAnnotations checks keys (qualified with the policy name) and
// that value expressions are given.
func ValidateAuditAnnotations(policyName string, as []arv1.AuditAnnotation, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	if len(as) > maxAuditAnnotations {
		errs = append(errs, field.Invalid(p, as, fmt.Sprintf("must not have more than %d auditAnnotations", maxAuditAnnotations)))
	}
	keys := map[string]bool{}
	for i, a := range as {
		ap := p.Index(i)
		if policyName != "" {
			errs = append(errs, validateQualifiedName(policyName+"/"+a.Key, ap.Child("key"))...)
		} else {
			errs = append(errs, field.Invalid(ap.Child("key"), a.Key, "requires metadata.name be non-empty"))
		}
		if strings.TrimSpace(a.ValueExpression) == "" {
			errs = append(errs, field.Required(ap.Child("valueExpression"), "valueExpression is not specified"))
		}
		if keys[a.Key] {
			errs = append(errs, field.Duplicate(ap.Child("key"), a.Key))
		}
		keys[a.Key] = true
	}
	return errs
}

// ValidatePolicyName checks a binding's policyName.
func ValidatePolicyName(name string, p *field.Path) field.ErrorList {
	if name == "" {
		return field.ErrorList{field.Required(p, "")}
	}
	var errs field.ErrorList
	for _, msg := range validation.NameIsDNSSubdomain(name, false) {
		errs = append(errs, field.Invalid(p, name, msg))
	}
	return errs
}

// ValidateParamRef checks a binding's paramRef.
func ValidateParamRef(pr *arv1.ParamRef, p *field.Path) field.ErrorList {
	if pr == nil {
		return nil
	}
	var errs field.ErrorList
	if pr.Name != "" {
		for _, msg := range content.IsPathSegmentName(pr.Name) {
			errs = append(errs, field.Invalid(p.Child("name"), pr.Name, msg))
		}
		if pr.Selector != nil {
			errs = append(errs, field.Forbidden(p.Child("name"), "name and selector are mutually exclusive"))
		}
	}
	if pr.Selector != nil {
		errs = append(errs, metav1validation.ValidateLabelSelector(pr.Selector, metav1validation.LabelSelectorValidationOptions{}, p.Child("selector"))...)
		if pr.Name != "" {
			errs = append(errs, field.Forbidden(p.Child("selector"), "name and selector are mutually exclusive"))
		}
	}
	if pr.Name == "" && pr.Selector == nil {
		errs = append(errs, field.Required(p, "one of name or selector must be specified"))
	}
	if pr.ParameterNotFoundAction == nil || *pr.ParameterNotFoundAction == "" {
		errs = append(errs, field.Required(p.Child("parameterNotFoundAction"), ""))
	} else if *pr.ParameterNotFoundAction != arv1.DenyAction && *pr.ParameterNotFoundAction != arv1.AllowAction {
		errs = append(errs, field.NotSupported(p.Child("parameterNotFoundAction"), pr.ParameterNotFoundAction, []string{string(arv1.DenyAction), string(arv1.AllowAction)}))
	}
	return errs
}

// ValidateValidationActions checks a binding's validationActions.
func ValidateValidationActions(va []arv1.ValidationAction, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	seen := map[arv1.ValidationAction]bool{}
	for i, a := range va {
		if !has(validationActions, string(a)) {
			errs = append(errs, field.NotSupported(p.Index(i), a, validationActions))
		}
		if seen[a] {
			errs = append(errs, field.Duplicate(p.Index(i), a))
		}
		seen[a] = true
	}
	if seen[arv1.Deny] && seen[arv1.Warn] {
		errs = append(errs, field.Invalid(p, va, "must not contain both Deny and Warn (repeating the same validation failure information in the API response and headers serves no purpose)"))
	}
	if len(seen) == 0 {
		errs = append(errs, field.Required(p, "at least one validation action is required"))
	}
	return errs
}

// ValidateMutations checks a MutatingAdmissionPolicy's mutations.
func ValidateMutations(ms []arv1.Mutation, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	if len(ms) == 0 {
		return append(errs, field.Required(p, "mutations must contain at least one item"))
	}
	for i, m := range ms {
		mp := p.Index(i)
		switch m.PatchType {
		case "":
			errs = append(errs, field.Required(mp.Child("patchType"), ""))
		case arv1.PatchTypeJSONPatch:
			if m.JSONPatch == nil {
				errs = append(errs, field.Required(mp.Child("jsonPatch"), "must be specified when patchType is JSONPatch"))
			} else if strings.TrimSpace(m.JSONPatch.Expression) == "" {
				errs = append(errs, field.Required(mp.Child("jsonPatch", "expression"), ""))
			}
			if m.ApplyConfiguration != nil {
				errs = append(errs, field.Invalid(mp.Child("applyConfiguration"), "{applyConfiguration}", "must not be specified when patchType is JSONPatch"))
			}
		case arv1.PatchTypeApplyConfiguration:
			if m.ApplyConfiguration == nil {
				errs = append(errs, field.Required(mp.Child("applyConfiguration"), "must be specified when patchType is ApplyConfiguration"))
			} else if strings.TrimSpace(m.ApplyConfiguration.Expression) == "" {
				errs = append(errs, field.Required(mp.Child("applyConfiguration", "expression"), ""))
			}
			if m.JSONPatch != nil {
				errs = append(errs, field.Invalid(mp.Child("jsonPatch"), "{jsonPatch}", "must not be specified when patchType is ApplyConfiguration"))
			}
		default:
			errs = append(errs, field.NotSupported(mp.Child("patchType"), m.PatchType, patchTypes))
		}
	}
	return errs
}

// ValidateReinvocationRequired checks a MutatingAdmissionPolicy's reinvocationPolicy.
func ValidateReinvocationRequired(r arv1.ReinvocationPolicyType, p *field.Path) field.ErrorList {
	if r == "" {
		return field.ErrorList{field.Required(p, "")}
	}
	if !has(reinvocation, string(r)) {
		return field.ErrorList{field.NotSupported(p, r, reinvocation)}
	}
	return nil
}

// Summaries for the tables.

// ParamRefString prints a binding's paramRef as kubectl does.
func ParamRefString(pr *arv1.ParamRef) string {
	if pr == nil {
		return "<unset>"
	}
	if pr.Name != "" {
		if pr.Namespace != "" {
			return pr.Namespace + "/" + pr.Name
		}
		return "*/" + pr.Name
	}
	if pr.Selector != nil {
		return pr.Selector.String()
	}
	return "<unset>"
}

// ParamKindString prints a policy's paramKind as kubectl does.
func ParamKindString(pk *arv1.ParamKind) string {
	if pk == nil {
		return "<unset>"
	}
	return pk.APIVersion + "/" + pk.Kind
}

func validateQualifiedName(value string, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	for _, msg := range utilvalidation.IsQualifiedName(value) {
		errs = append(errs, field.Invalid(p, value, msg))
	}
	return errs
}
