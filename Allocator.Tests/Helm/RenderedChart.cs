using YamlDotNet.RepresentationModel;

namespace Allocator.Tests.Helm;

/// <summary>The manifests of one render, parsed as YAML, with lookups the chart tests share.</summary>
internal sealed class RenderedChart(IReadOnlyList<Manifest> manifests, string release, string ns)
{
    public IReadOnlyList<Manifest> Manifests { get; } = manifests;
    public string Release { get; } = release;
    public string Namespace { get; } = ns;
    public string FullName => Release.Contains("allocator") ? Release : $"{Release}-allocator";

    public static RenderedChart Parse(string text, string release, string ns)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(text));
        var manifests = stream.Documents
            .Select((d, i) => d.RootNode as YamlMappingNode
                ?? throw new InvalidDataException($"document {i} is not a mapping: {d.RootNode}"))
            .Select(root => new Manifest(root))
            .ToList();
        return new RenderedChart(manifests, release, ns);
    }

    public IEnumerable<Manifest> OfKind(string kind) => Manifests.Where(m => m.Kind == kind);

    public Manifest Single(string kind, string name) =>
        Assert.Single(Manifests, m => m.Kind == kind && m.Name == name);

    public Manifest? Find(string kind, string name) =>
        Manifests.SingleOrDefault(m => m.Kind == kind && m.Name == name);

    public Manifest Deployment => Single("Deployment", FullName);
    public YamlMappingNode PodSpec => Deployment.Map("spec", "template", "spec");
    public YamlMappingNode Container => Assert.Single(Manifest.Items(PodSpec, "containers"));

    /// <summary>The container's environment as name → entry (value or valueFrom).</summary>
    public IReadOnlyList<YamlMappingNode> EnvEntries => Manifest.Items(Container, "env").ToList();

    public IReadOnlyDictionary<string, string> Env =>
        EnvEntries.Where(e => Manifest.Text(e, "value") is not null)
            .ToDictionary(e => Manifest.Text(e, "name")!, e => Manifest.Text(e, "value")!);

    public YamlMappingNode EnvEntry(string name) => Assert.Single(EnvEntries, e => Manifest.Text(e, "name") == name);

    public YamlMappingNode Volume(string name) => Assert.Single(Manifest.Items(PodSpec, "volumes"), v => Manifest.Text(v, "name") == name);

    public YamlMappingNode? VolumeMount(string name) =>
        Manifest.Items(Container, "volumeMounts").SingleOrDefault(v => Manifest.Text(v, "name") == name);

    public int ContainerPort(string name) =>
        int.Parse(Manifest.Text(Assert.Single(Manifest.Items(Container, "ports"), p => Manifest.Text(p, "name") == name), "containerPort")!);
}

/// <summary>One rendered Kubernetes object.</summary>
internal sealed class Manifest(YamlMappingNode root)
{
    public YamlMappingNode Root { get; } = root;
    public string? ApiVersion => Text(Root, "apiVersion");
    public string? Kind => Text(Root, "kind");
    public string? Name => Text(Root, "metadata", "name");
    public string? Namespace => Text(Root, "metadata", "namespace");

    public string? Text(params string[] path) => Text(Root, path);
    public YamlMappingNode Map(params string[] path) => Map(Root, path);
    public IEnumerable<YamlMappingNode> Items(params string[] path) => Items(Root, path);

    public static YamlNode? Node(YamlNode node, params string[] path)
    {
        foreach (var key in path)
        {
            if (node is not YamlMappingNode map || !map.Children.TryGetValue(new YamlScalarNode(key), out var child))
                return null;
            node = child;
        }

        return node;
    }

    public static string? Text(YamlNode node, params string[] path) => (Node(node, path) as YamlScalarNode)?.Value;

    public static YamlMappingNode Map(YamlNode node, params string[] path) =>
        Node(node, path) as YamlMappingNode ?? throw new KeyNotFoundException($"no mapping at {string.Join('.', path)}");

    public static IEnumerable<YamlMappingNode> Items(YamlNode node, params string[] path) =>
        (Node(node, path) as YamlSequenceNode)?.Children.Cast<YamlMappingNode>() ?? [];

    public static IReadOnlyList<string> Strings(YamlNode node, params string[] path) =>
        (Node(node, path) as YamlSequenceNode)?.Children.Select(c => ((YamlScalarNode)c).Value!).ToList() ?? [];

    public static IReadOnlyDictionary<string, string> StringMap(YamlNode node, params string[] path) =>
        (Node(node, path) as YamlMappingNode)?.Children.ToDictionary(c => ((YamlScalarNode)c.Key).Value!, c => ((YamlScalarNode)c.Value).Value!)
        ?? new Dictionary<string, string>();

    public override string ToString() => $"{Kind} {Namespace}/{Name}";
}
