package admission

import "k8s.io/apimachinery/pkg/runtime/schema"

var schemaDeployments = schema.GroupResource{Group: "apps", Resource: "deployments"}
