// Command composecheck validates docker-compose.yml without a Docker engine, the way
// `docker compose config` does: it loads the file with compose-go (the Compose CLI's own loader:
// schema validation, interpolation, YAML anchors and merge keys, depends_on consistency) and then
// checks what the loader does not: build contexts, Dockerfiles and bind-mounted paths exist, and
// every service that others wait on with service_healthy has a healthcheck.
//
//	go run . ../../../docker-compose.yml
package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"

	"github.com/compose-spec/compose-go/v2/cli"
	"github.com/compose-spec/compose-go/v2/types"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: composecheck path/to/docker-compose.yml")
		os.Exit(2)
	}
	file, err := filepath.Abs(os.Args[1])
	if err != nil {
		fail(err)
	}
	dir := filepath.Dir(file)
	opts, err := cli.NewProjectOptions([]string{file},
		cli.WithWorkingDirectory(dir),
		cli.WithOsEnv,
		cli.WithDotEnv,
		cli.WithResolvedPaths(true),
	)
	if err != nil {
		fail(err)
	}
	project, err := cli.ProjectFromOptions(context.Background(), opts)
	if err != nil {
		fail(err)
	}

	var problems []string
	names := make([]string, 0, len(project.Services))
	for name := range project.Services {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		svc := project.Services[name]
		if svc.Build != nil {
			if _, err := os.Stat(svc.Build.Context); err != nil {
				problems = append(problems, fmt.Sprintf("%s: build context %s: %v", name, svc.Build.Context, err))
			}
			df := svc.Build.Dockerfile
			if !filepath.IsAbs(df) {
				df = filepath.Join(svc.Build.Context, df)
			}
			if _, err := os.Stat(df); err != nil {
				problems = append(problems, fmt.Sprintf("%s: dockerfile %s: %v", name, df, err))
			}
		}
		for _, v := range svc.Volumes {
			if v.Type == types.VolumeTypeBind {
				if _, err := os.Stat(v.Source); err != nil {
					problems = append(problems, fmt.Sprintf("%s: bind mount source %s: %v", name, v.Source, err))
				}
			}
		}
		for dep, cond := range svc.DependsOn {
			target, ok := project.Services[dep]
			if !ok {
				problems = append(problems, fmt.Sprintf("%s: depends_on unknown service %s", name, dep))
				continue
			}
			switch cond.Condition {
			case types.ServiceConditionHealthy:
				if target.HealthCheck == nil || target.HealthCheck.Disable || len(target.HealthCheck.Test) == 0 {
					problems = append(problems, fmt.Sprintf("%s: waits for %s to be healthy, but %s has no healthcheck", name, dep, dep))
				}
			case types.ServiceConditionCompletedSuccessfully, types.ServiceConditionStarted:
			default:
				problems = append(problems, fmt.Sprintf("%s: depends_on %s with unknown condition %q", name, dep, cond.Condition))
			}
		}
		deps := make([]string, 0, len(svc.DependsOn))
		for dep, cond := range svc.DependsOn {
			deps = append(deps, dep+":"+cond.Condition)
		}
		sort.Strings(deps)
		health := "no healthcheck"
		if svc.HealthCheck != nil && !svc.HealthCheck.Disable {
			health = "healthcheck"
		}
		fmt.Printf("  %-18s %-14s depends_on %v\n", name, health, deps)
	}
	if len(problems) > 0 {
		for _, p := range problems {
			fmt.Fprintln(os.Stderr, "compose: "+p)
		}
		os.Exit(1)
	}
	fmt.Printf("compose: %s is valid (%d services, project %q)\n", filepath.Base(file), len(project.Services), project.Name)
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "compose: "+err.Error())
	os.Exit(1)
}
