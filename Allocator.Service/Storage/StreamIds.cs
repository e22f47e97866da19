namespace Allocator.Service.Storage;

/// <summary>Redis stream ids (<c>ms-seq</c>), compared as Redis compares them: by time, then sequence.</summary>
public static class StreamIds
{
    public static bool Older(string a, string b)
    {
        var (am, asq) = Split(a);
        var (bm, bsq) = Split(b);
        return am < bm || (am == bm && asq < bsq);
    }

    private static (ulong Ms, ulong Seq) Split(string id)
    {
        var dash = id.IndexOf('-');
        return dash < 0
            ? (ulong.Parse(id), 0)
            : (ulong.Parse(id.AsSpan(0, dash)), ulong.Parse(id.AsSpan(dash + 1)));
    }
}
