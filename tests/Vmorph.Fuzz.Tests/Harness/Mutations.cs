using System.Text;
using CsCheck;

namespace Vmorph.Fuzz.Tests.Harness;

/// <summary>
/// Generators of hostile text made from a valid seed: one to four edits of its lines, fields and bytes (values that
/// overflow or are not numbers, fields added or taken away, lines given twice, swapped, cut or made very long,
/// separators and quotes, NUL and invalid UTF-8, the file cut short).
/// </summary>
public static class Mutations
{
    /// <summary>Values a field may be replaced with: overflowing, non-finite, malformed, empty, quoted, foreign.</summary>
    public static readonly string[] HostileValues =
    [
        "", " ", "-1", "0", "1", "1e306", "1e308", "1e309", "-1e308", "1e15", "1e16", "1e200", "NaN", "nan", "Infinity", "-Infinity", "∞",
        "1,5", "0x10", "9223372036854775807", "9223372036854775808", "-9223372036854775808", "18446744073709551616",
        "2147483648", "4294967296", "1e-320", "4.9e-324", "\"", "\"\"", "\"a;b,c\"", "abc", "１２", "1_000", "+5", ".5", "5.", "1e", "--1",
        "000000000000000000000000001", "253402300800", "-62135596801", "99999999999999999999", "1.7976931348623157E+308",
        "\t", "\r", "null", "true", "~", "${x}", "%s", "'", "\\", "\u0000", "\u202e", "💥",
    ];

    private static readonly string[] Separators = [";", ",", ";\t", "\t", " ", "\"", "\r\n", "\n"];

    /// <summary>Hostile variants of <paramref name="seed"/> (text), as UTF-8 bytes, a few of them not valid UTF-8.</summary>
    public static Gen<byte[]> Of(string seed) =>
        Gen.Int[1, 4].SelectMany(edits => Edit.Array[edits]).SelectMany(list => Gen.Int[0, 99].Select(bytesOdds => (list, bytesOdds)))
            .SelectMany(t => Gen.Int[0, int.MaxValue].Select(salt => Apply(seed, t.list, t.bytesOdds, salt)));

    private static readonly Gen<(int Kind, int A, int B, int Value)> Edit =
        Gen.Select(Gen.Int[0, 15], Gen.Int[0, int.MaxValue], Gen.Int[0, int.MaxValue], Gen.Int[0, HostileValues.Length - 1]);

    private static byte[] Apply(string seed, (int Kind, int A, int B, int Value)[] edits, int bytesOdds, int salt)
    {
        var lines = seed.Split('\n').ToList();
        foreach (var (kind, a, b, value) in edits)
        {
            if (lines.Count == 0) lines.Add("");
            var i = a % lines.Count;
            var j = b % lines.Count;
            var hostile = HostileValues[value];
            switch (kind)
            {
                case 0: // a field replaced
                case 1:
                case 2:
                case 3:
                    lines[i] = ReplaceField(lines[i], b, hostile);
                    break;
                case 4: // a line given again
                    lines.Insert(j, lines[i]);
                    break;
                case 5: // a line removed
                    lines.RemoveAt(i);
                    break;
                case 6: // two lines swapped
                    (lines[i], lines[j]) = (lines[j], lines[i]);
                    break;
                case 7: // a field added
                    lines[i] = lines[i] + Separators[b % 3] + hostile;
                    break;
                case 8: // a line cut
                    lines[i] = lines[i][..(b % (lines[i].Length + 1))];
                    break;
                case 9: // text put in a line
                    var at = b % (lines[i].Length + 1);
                    lines[i] = lines[i][..at] + (b % 2 == 0 ? hostile : Separators[b % Separators.Length]) + lines[i][at..];
                    break;
                case 10: // a long line (rarely past the readers' 1 MiB line limit)
                    lines[i] = lines[i] + new string(b % 2 == 0 ? '9' : ',', b % 50 == 0 ? (1 << 20) + 10 : 1 + b % 20_000);
                    break;
                case 11: // the file cut short
                    lines.RemoveRange(i, lines.Count - i);
                    break;
                case 12: // many copies of a line
                    lines.InsertRange(i, Enumerable.Repeat(lines[j], 1 + b % 500));
                    break;
                case 13: // the header's fields shuffled
                    lines[0] = ReplaceField(lines[0], b, lines[0].Split(',', ';').ElementAtOrDefault(a % Math.Max(1, lines[0].Split(',', ';').Length)) ?? hostile);
                    break;
                case 14: // a number's digits changed
                    lines[i] = new string([.. lines[i].Select((c, k) => char.IsAsciiDigit(c) && (k + b) % 7 == 0 ? (char)('0' + (c - '0' + b) % 10) : c)]);
                    break;
                default: // every field of a line replaced
                    lines[i] = string.Join(lines[i].Contains(';', StringComparison.Ordinal) ? ";" : ",", lines[i].Split(',', ';').Select(_ => hostile));
                    break;
            }
        }
        var bytes = Encoding.UTF8.GetBytes(string.Join('\n', lines));
        return bytesOdds < 8 ? FlipBytes(bytes, salt) : bytes;
    }

    /// <summary>A few bytes no text has put into <paramref name="bytes"/> (in place): NUL, invalid UTF-8, a flipped bit.</summary>
    public static byte[] FlipBytes(byte[] bytes, int salt)
    {
        if (bytes.Length == 0) return bytes;
        var random = new Random(salt);
        var count = 1 + random.Next(8);
        for (var k = 0; k < count; k++) bytes[random.Next(bytes.Length)] = (byte)(k % 3 == 0 ? 0 : k % 3 == 1 ? 0xFF : bytes[random.Next(bytes.Length)] ^ (1 << random.Next(8)));
        return bytes;
    }

    private static string ReplaceField(string line, int which, string value)
    {
        var separator = line.Contains(";\t", StringComparison.Ordinal) ? ";\t" : line.Contains(';', StringComparison.Ordinal) ? ";" : line.Contains(',', StringComparison.Ordinal) ? "," : " ";
        var fields = line.Split(separator);
        fields[which % fields.Length] = value;
        return string.Join(separator, fields);
    }
}
