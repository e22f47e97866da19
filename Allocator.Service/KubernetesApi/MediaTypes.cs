using Microsoft.Net.Http.Headers;

namespace Allocator.Service.KubernetesApi;

/// <summary>What an answer may be written as: plain JSON, or (for <c>/apis</c>) aggregated discovery.</summary>
public enum Representation
{
    Json,
    DiscoveryV2,
    DiscoveryV2Beta1,
}

/// <summary>
/// Content negotiation as the API server does it: the caller's Accept ranges, best quality first
/// (ties in the caller's order), against what a path can write. Nothing acceptable is a 406, which
/// tells kubectl and the aggregator to fall back to the per-version documents.
/// </summary>
public static class MediaTypes
{
    public const string Json = "application/json";
    public const string DiscoveryGroup = "apidiscovery.k8s.io";
    public const string DiscoveryKind = "APIGroupDiscoveryList";

    public static string ContentType(Representation representation) => representation switch
    {
        Representation.DiscoveryV2 => $"{Json};g={DiscoveryGroup};v=v2;as={DiscoveryKind}",
        Representation.DiscoveryV2Beta1 => $"{Json};g={DiscoveryGroup};v=v2beta1;as={DiscoveryKind}",
        _ => Json,
    };

    /// <summary>The first of <paramref name="offered"/> the Accept header asks for, or null (406).</summary>
    public static Representation? Negotiate(HttpRequest request, params Representation[] offered)
    {
        var json = offered.Contains(Representation.Json) ? Representation.Json : (Representation?)null;
        // No Accept, or one that does not parse: JSON, as the API server answers.
        if (string.IsNullOrWhiteSpace(request.Headers.Accept.ToString())) return json;
        if (!MediaTypeHeaderValue.TryParseList(request.Headers.Accept, out var ranges)) return json;
        foreach (var range in ranges.Select((r, i) => (Range: r, Index: i)).OrderByDescending(r => r.Range.Quality ?? 1).ThenBy(r => r.Index).Select(r => r.Range))
        {
            if (range.Quality == 0) continue;
            var match = Match(range);
            if (match is { } found && offered.Contains(found)) return found;
        }

        return null;
    }

    private static Representation? Match(MediaTypeHeaderValue range)
    {
        var type = range.MediaType.Value ?? "";
        if (type is "*/*" or "application/*") return Representation.Json;
        if (!type.Equals(Json, StringComparison.OrdinalIgnoreCase)) return null;
        string? Parameter(string name) => range.Parameters.FirstOrDefault(p => p.Name.Equals(name, StringComparison.OrdinalIgnoreCase))?.Value.Value;
        var (group, version, kind) = (Parameter("g"), Parameter("v"), Parameter("as"));
        if (kind is null) return Representation.Json;
        if (kind != DiscoveryKind || group != DiscoveryGroup) return null; // e.g. as=Table: not served, and not plain JSON either
        return version switch
        {
            "v2" => Representation.DiscoveryV2,
            "v2beta1" => Representation.DiscoveryV2Beta1,
            _ => null,
        };
    }
}
