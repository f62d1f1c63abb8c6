package networkpolicy

import (
	networkingv1 "k8s.io/api/networking/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
)

func equality(a, b networkingv1.NetworkPolicySpec) bool { return apiequality.Semantic.DeepEqual(a, b) }
