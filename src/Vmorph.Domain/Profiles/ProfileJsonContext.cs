using System.Text.Json.Serialization;
using Vmorph.Configuration;

namespace Vmorph.Profiles;

/// <summary>
/// Source-generated JSON metadata for what the store writes most (profile documents, configurations, changes), so a
/// short command does not spend a third of a second building serialisers by reflection.
/// </summary>
[JsonSerializable(typeof(ProfileCodec.ProfileDocument))]
[JsonSerializable(typeof(VmConfiguration))]
[JsonSerializable(typeof(List<ConfigurationChange>))]
[JsonSerializable(typeof(IReadOnlyList<ConfigurationChange>))]
[JsonSerializable(typeof(List<string>))]
internal sealed partial class ProfileJsonContext : JsonSerializerContext;
