namespace Allocator.Tests.Helm;

/// <summary>Checks every value set of <see cref="ChartExpectations.Scenarios"/> must pass.</summary>
public class ChartStructureTests
{
    private static RenderedChart Render(string scenario) => ChartRenderer.Render(ChartExpectations.Scenarios[scenario]);

    [Theory]
    [MemberData(nameof(ChartExpectations.ScenarioNames), MemberType = typeof(ChartExpectations))]
    public void Every_document_is_a_named_kubernetes_object(string scenario)
    {
        var chart = Render(scenario);

        Assert.NotEmpty(chart.Manifests);
        foreach (var m in chart.Manifests)
        {
            Assert.False(string.IsNullOrWhiteSpace(m.ApiVersion), $"{scenario}: a document has no apiVersion: {m}");
            Assert.False(string.IsNullOrWhiteSpace(m.Kind), $"{scenario}: a document has no kind: {m}");
            Assert.False(string.IsNullOrWhiteSpace(m.Name), $"{scenario}: a document has no metadata.name: {m}");
            Assert.True(m.Name!.Length <= 63, $"{scenario}: {m} has a name longer than 63 characters");
            if (m.Kind is not ("ClusterRole" or "ClusterRoleBinding" or "APIService")) // cluster-scoped
                Assert.False(string.IsNullOrEmpty(m.Namespace), $"{scenario}: {m} has no namespace");
        }

        var duplicates = chart.Manifests.GroupBy(m => $"{m.Kind} {m.Namespace}/{m.Name}").Where(g => g.Count() > 1).Select(g => g.Key);
        Assert.Empty(duplicates);
        Assert.Single(chart.OfKind("Deployment"));
    }

    [Theory]
    [MemberData(nameof(ChartExpectations.ScenarioNames), MemberType = typeof(ChartExpectations))]
    public void Environment_names_are_known_settings_and_unique(string scenario)
    {
        var names = Render(scenario).EnvEntries.Select(e => Manifest.Text(e, "name")!).ToList();

        var unknown = names.Where(n => !ChartExpectations.IsKnownSetting(n) && !ChartExpectations.OtherEnvironment.Contains(n));
        Assert.Empty(unknown);
        Assert.Equal(names.Count, names.Distinct().Count());
    }

    [Fact]
    public void Every_config_value_becomes_its_setting()
    {
        var env = Render("everything-set").Env;

        Assert.Equal("fleet-a", env["Allocator__KeyPrefix"]);
        Assert.Equal("00:00:00.500", env["Allocator__LeaseRetry"]);
        Assert.Equal("1000000", env["Allocator__MaxInFlight"]); // a whole number from a values file, not 1e+06
        Assert.Equal("512", env["Allocator__BatchSize"]);
        Assert.Equal("false", env["Allocator__Reflection"]);
        Assert.Equal("true", env["Allocator__Lead"]);
        Assert.Equal("http://otel-collector:4317", env["Allocator__Otlp__Endpoint"]);
        Assert.Equal("servers=10,nodes=2,capacity=4,counter=rooms,fleet=demo,namespace=default", env["Allocator__Inventory__DemoFleet"]);
        Assert.Equal("2", env["Allocator__WarmStandbys"]);
        Assert.Equal(23, env.Keys.Count(k => k.StartsWith("Allocator__", StringComparison.Ordinal) && ConfigSettings.Contains(k["Allocator__".Length..])));
    }

    private static readonly HashSet<string> ConfigSettings =
    [
        "KeyPrefix", "Lead", "LeaseTtl", "LeaseRetry", "HeartbeatInterval", "MemberTimeout", "SuccessorSettle", "BatchSize",
        "PollInterval", "DefaultDeadline", "MaxDeadline", "MaxInFlight", "ShutdownTimeout", "AnswerMargin", "SettleTimeout",
        "ResultTtl", "ErrorResultTtl", "ChangeLogLength", "FollowInterval", "RequestHistory", "Reflection",
        "WarmStandbys", "StandbyHeadStart",
    ];

    [Theory]
    [MemberData(nameof(ChartExpectations.ScenarioNames), MemberType = typeof(ChartExpectations))]
    public void Ports_agree_between_settings_container_services_and_probes(string scenario)
    {
        var chart = Render(scenario);
        var env = chart.Env;
        var grpc = chart.ContainerPort("grpc");
        var ops = chart.ContainerPort("ops");

        Assert.Equal(env["Allocator__Port"], grpc.ToString());
        Assert.Equal(env["Allocator__OpsPort"], ops.ToString());
        Assert.NotEqual(grpc, ops);

        var service = chart.Single("Service", chart.FullName);
        var servicePort = Assert.Single(service.Items("spec", "ports"));
        Assert.Equal(grpc, ResolvePort(chart, Manifest.Text(servicePort, "targetPort")!));

        var opsService = chart.Single("Service", chart.FullName + "-ops");
        Assert.Equal("ClusterIP", opsService.Text("spec", "type"));
        var opsServicePort = Assert.Single(opsService.Items("spec", "ports"));
        Assert.Equal(ops, ResolvePort(chart, Manifest.Text(opsServicePort, "targetPort")!));

        var podLabels = Manifest.StringMap(chart.Deployment.Root, "spec", "template", "metadata", "labels");
        foreach (var s in new[] { service, opsService })
            Assert.All(Manifest.StringMap(s.Root, "spec", "selector"), l => Assert.Equal(l.Value, podLabels[l.Key]));

        foreach (var (probe, path) in new[] { ("startupProbe", "/healthz"), ("readinessProbe", "/readyz"), ("livenessProbe", "/healthz") })
        {
            Assert.Equal(path, Manifest.Text(chart.Container, probe, "httpGet", "path"));
            Assert.Equal(ops, ResolvePort(chart, Manifest.Text(chart.Container, probe, "httpGet", "port")!));
        }
    }

    private static int ResolvePort(RenderedChart chart, string port) => int.TryParse(port, out var number) ? number : chart.ContainerPort(port);

    [Theory]
    [MemberData(nameof(ChartExpectations.ScenarioNames), MemberType = typeof(ChartExpectations))]
    public void Notes_show_how_to_call_allocate_and_inspect(string scenario)
    {
        var notes = ChartRenderer.RenderNotes(ChartExpectations.Scenarios[scenario]);

        Assert.Contains("allocation.AllocationService/Allocate", notes);
        Assert.Contains("grpcurl", notes);
        Assert.Contains("/gameserverallocation", notes);
        Assert.Contains("scripts/inspect.sh", notes);
        Assert.DoesNotContain("<no value>", notes);
    }
}
