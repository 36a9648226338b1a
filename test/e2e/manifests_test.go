package e2e

import "strings"

// whoamiDeployment and whoamiService are the seed notes' example app.
const whoamiDeployment = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: whoami-deployment
  labels:
    app: whoami
spec:
  replicas: 3
  selector:
    matchLabels:
      app: whoami
  template:
    metadata:
      labels:
        app: whoami
    spec:
      containers:
      - name: whoami
        image: jwilder/whoami
        ports:
        - containerPort: 8000
`

const whoamiService = `apiVersion: v1
kind: Service
metadata:
  name: whoami-service
spec:
  type: ClusterIP
  selector:
    app: whoami
  ports:
  - port: 80
    targetPort: 8000
`

// whoami is both objects in one multi-document file.
const whoami = whoamiDeployment + "---\n" + whoamiService

// withReplicas returns the whoami Deployment asking for n replicas.
func withReplicas(n string) string {
	return strings.Replace(whoamiDeployment, "replicas: 3", "replicas: "+n, 1)
}

// applyWhoami applies the whoami Deployment and Service and checks both
// were created.
func applyWhoami(k *kubectl) {
	k.t.Helper()
	r := k.run("apply", "-f", k.file("whoami.yaml", whoami))
	wantOutput(k.t, r, "deployment.apps/whoami-deployment created\nservice/whoami-service created")
	if r.code != 0 {
		k.t.Fatalf("apply whoami: exit %d", r.code)
	}
}
