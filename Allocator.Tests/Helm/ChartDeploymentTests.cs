namespace Allocator.Tests.Helm;

public class ChartDeploymentTests
{
    private static readonly Lazy<RenderedChart> DefaultRender = new(() => ChartRenderer.Render());
    private static RenderedChart Defaults => DefaultRender.Value;

    [Fact]
    public void Three_replicas_roll_one_extra_pod_at_a_time_and_never_lose_one()
    {
        var spec = Defaults.Deployment.Map("spec");

        Assert.Equal("3", Manifest.Text(spec, "replicas"));
        Assert.Equal("RollingUpdate", Manifest.Text(spec, "strategy", "type"));
        Assert.Equal("1", Manifest.Text(spec, "strategy", "rollingUpdate", "maxSurge"));
        Assert.Equal("0", Manifest.Text(spec, "strategy", "rollingUpdate", "maxUnavailable"));
    }

    [Fact]
    public void Grace_period_outlasts_the_drain()
    {
        var grace = int.Parse(Manifest.Text(Defaults.PodSpec, "terminationGracePeriodSeconds")!);
        var drain = TimeSpan.Parse(Defaults.Env["Allocator__ShutdownTimeout"]);

        Assert.Equal(TimeSpan.FromSeconds(25), drain);
        Assert.True(grace > drain.TotalSeconds, $"terminationGracePeriodSeconds {grace} must exceed ShutdownTimeout {drain}");
    }

    [Fact]
    public void Runs_as_non_root_on_a_read_only_root_filesystem_with_a_writable_tmp()
    {
        var security = Manifest.Map(Defaults.Container, "securityContext");

        Assert.Equal("true", Manifest.Text(security, "runAsNonRoot"));
        Assert.Equal("true", Manifest.Text(security, "readOnlyRootFilesystem"));
        Assert.Equal("false", Manifest.Text(security, "allowPrivilegeEscalation"));
        Assert.Equal(["ALL"], Manifest.Strings(security, "capabilities", "drop"));
        Assert.Equal("true", Manifest.Text(Defaults.PodSpec, "securityContext", "runAsNonRoot"));

        Assert.NotNull(Manifest.Node(Defaults.Volume("tmp"), "emptyDir"));
        Assert.Equal("/tmp", Manifest.Text(Defaults.VolumeMount("tmp")!, "mountPath"));
        Assert.Equal("false", Manifest.Text(Defaults.PodSpec, "automountServiceAccountToken"));
    }

    [Fact]
    public void Replicas_prefer_different_nodes()
    {
        var term = Assert.Single(Manifest.Items(Defaults.PodSpec, "affinity", "podAntiAffinity", "preferredDuringSchedulingIgnoredDuringExecution"));
        var podLabels = Manifest.StringMap(Defaults.Deployment.Root, "spec", "template", "metadata", "labels");

        Assert.Equal("kubernetes.io/hostname", Manifest.Text(term, "podAffinityTerm", "topologyKey"));
        Assert.All(Manifest.StringMap(term, "podAffinityTerm", "labelSelector", "matchLabels"), l => Assert.Equal(l.Value, podLabels[l.Key]));
    }

    [Fact]
    public void Replica_id_is_the_pod_name_from_the_downward_api()
    {
        Assert.Equal("metadata.name", Manifest.Text(Defaults.EnvEntry("POD_NAME"), "valueFrom", "fieldRef", "fieldPath"));
        Assert.Equal("metadata.namespace", Manifest.Text(Defaults.EnvEntry("POD_NAMESPACE"), "valueFrom", "fieldRef", "fieldPath"));
        Assert.Equal("$(POD_NAME)", Defaults.Env["Allocator__ReplicaId"]);

        // $(VAR) expands only variables declared earlier in the list.
        var names = Defaults.EnvEntries.Select(e => Manifest.Text(e, "name")).ToList();
        Assert.True(names.IndexOf("POD_NAME") < names.IndexOf("Allocator__ReplicaId"));
    }

    [Fact]
    public void Advertised_version_follows_the_image_tag_and_defaults_to_the_app_version()
    {
        var appVersion = File.ReadLines(Path.Combine(ChartRenderer.ChartDirectory, "Chart.yaml"))
            .Single(l => l.StartsWith("appVersion:", StringComparison.Ordinal)).Split(':', 2)[1].Trim().Trim('"');
        Assert.Equal("0.1.0", appVersion);
        Assert.Equal(appVersion, Defaults.Env["Allocator__Version"]);
        Assert.EndsWith(":" + appVersion, Manifest.Text(Defaults.Container, "image"));

        var tagged = ChartRenderer.Render("--set", "image.tag=1.4.2");
        Assert.Equal("1.4.2", tagged.Env["Allocator__Version"]);
        Assert.Equal(ChartRenderer.ImageRepository + ":1.4.2", Manifest.Text(tagged.Container, "image"));

        var pinned = ChartRenderer.Render("--set", "image.tag=1.4.2,image.digest=sha256:abc,appVersion=1.4.3");
        Assert.Equal("1.4.3", pinned.Env["Allocator__Version"]);
        Assert.Equal(ChartRenderer.ImageRepository + "@sha256:abc", Manifest.Text(pinned.Container, "image"));
    }

    [Fact]
    public void Disruption_budget_keeps_two_replicas_and_selects_the_pods()
    {
        var pdb = Defaults.Single("PodDisruptionBudget", Defaults.FullName);
        var podLabels = Manifest.StringMap(Defaults.Deployment.Root, "spec", "template", "metadata", "labels");

        Assert.Equal("policy/v1", pdb.ApiVersion);
        Assert.Equal("2", pdb.Text("spec", "minAvailable"));
        Assert.All(Manifest.StringMap(pdb.Root, "spec", "selector", "matchLabels"), l => Assert.Equal(l.Value, podLabels[l.Key]));
    }

    [Fact]
    public void Service_monitor_is_off_by_default_and_scrapes_the_ops_service_when_on()
    {
        Assert.Empty(Defaults.OfKind("ServiceMonitor"));

        var chart = ChartRenderer.Render("--set", "metrics.serviceMonitor.enabled=true");
        var monitor = chart.Single("ServiceMonitor", chart.FullName);
        var opsService = chart.Single("Service", chart.FullName + "-ops");
        var endpoint = Assert.Single(monitor.Items("spec", "endpoints"));

        Assert.Equal("monitoring.coreos.com/v1", monitor.ApiVersion);
        Assert.Equal("/metrics", Manifest.Text(endpoint, "path"));
        Assert.Equal(Manifest.Text(Assert.Single(opsService.Items("spec", "ports")), "name"), Manifest.Text(endpoint, "port"));
        var opsLabels = Manifest.StringMap(opsService.Root, "metadata", "labels");
        Assert.All(Manifest.StringMap(monitor.Root, "spec", "selector", "matchLabels"), l => Assert.Equal(l.Value, opsLabels[l.Key]));
        // The selector must not also pick the Allocate Service (no ops port there).
        var mainLabels = Manifest.StringMap(chart.Single("Service", chart.FullName).Root, "metadata", "labels");
        Assert.Contains(Manifest.StringMap(monitor.Root, "spec", "selector", "matchLabels"), l => mainLabels.GetValueOrDefault(l.Key) != l.Value);
    }

    [Fact]
    public void Json_logs_by_default()
    {
        Assert.Equal("json", Defaults.Env["Logging__Console__FormatterName"]);
        Assert.Equal("simple", ChartRenderer.Render("--set", "logFormat=simple").Env["Logging__Console__FormatterName"]);
    }
}
