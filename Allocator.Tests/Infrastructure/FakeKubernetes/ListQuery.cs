using System.Globalization;
using Microsoft.AspNetCore.Http;

namespace Allocator.Tests.Infrastructure.FakeKubernetes;

/// <summary>
/// The query of a list or watch request. <see cref="ResourceVersion"/> is null when absent or "0": a
/// watch then starts with the current objects as ADDED events.
/// </summary>
internal sealed record ListQuery(
    bool Watch,
    long? ResourceVersion,
    bool AllowBookmarks,
    TimeSpan? Timeout,
    string? LabelSelector,
    string? FieldSelector,
    int? Limit,
    string? Continue)
{
    public static ListQuery From(IQueryCollection query) => new(
        Flag(query, "watch"),
        Version(query["resourceVersion"]),
        Flag(query, "allowWatchBookmarks"),
        Number(query, "timeoutSeconds") is { } seconds and > 0 ? TimeSpan.FromSeconds(seconds) : null,
        query["labelSelector"],
        query["fieldSelector"],
        Number(query, "limit") is { } limit and > 0 ? limit : null,
        string.IsNullOrEmpty(query["continue"]) ? null : query["continue"].ToString());

    private static bool Flag(IQueryCollection query, string name) =>
        query[name].ToString().ToLowerInvariant() is "true" or "1" or "t";

    private static int? Number(IQueryCollection query, string name)
    {
        var text = query[name].ToString();
        if (text.Length == 0) return null;
        return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw ApiStatus.BadRequest($"invalid value for {name}: \"{text}\"");
    }

    private static long? Version(string? text)
    {
        if (string.IsNullOrEmpty(text) || text == "0") return null;
        return long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw ApiStatus.BadRequest($"invalid resource version: \"{text}\"");
    }
}
