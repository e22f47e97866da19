namespace Allocator.Service.Leadership;

/// <summary>
/// Orders app versions such as <c>1.2.10</c>, <c>v1.3.0-rc.1</c> or a deployment revision
/// <c>42</c>: segments split on '.', '-' and '+', compared as numbers when both are numbers,
/// otherwise as text; a leading 'v' is ignored.
/// </summary>
public static class AppVersion
{
    public static int Compare(string a, string b)
    {
        var x = Segments(a);
        var y = Segments(b);
        for (var i = 0; i < Math.Max(x.Length, y.Length); i++)
        {
            if (i >= x.Length) return -1;
            if (i >= y.Length) return 1;
            var c = long.TryParse(x[i], out var nx) && long.TryParse(y[i], out var ny)
                ? nx.CompareTo(ny)
                : string.CompareOrdinal(x[i], y[i]);
            if (c != 0) return Math.Sign(c);
        }

        return 0;
    }

    private static string[] Segments(string version) =>
        version.Trim().TrimStart('v', 'V').Split(['.', '-', '+'], StringSplitOptions.RemoveEmptyEntries);
}
