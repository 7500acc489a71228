using System.Text.Json;
using System.Text.Json.Serialization;
using Vmorph.Identity;

namespace Vmorph.Planning;

/// <summary>Writes a <see cref="VmId"/> as its text and reads it back, refusing an invalid id.</summary>
public sealed class VmIdJsonConverter : JsonConverter<VmId>
{
    /// <inheritdoc />
    public override VmId Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        var text = reader.GetString();
        return VmId.IsValid(text, out var why) ? new VmId(text!) : throw new JsonException($"'{text}' is not a VM id: {why}");
    }

    /// <inheritdoc />
    public override void Write(Utf8JsonWriter writer, VmId value, JsonSerializerOptions options) => writer.WriteStringValue(value.Value);
}
