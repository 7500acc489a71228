using Vmorph.Units;

namespace Vmorph.Replay;

/// <summary>A replayed VM's use of CPU and memory at one instant; null where the trace has no value (absent, not zero).</summary>
/// <param name="Cpu">CPU in cores.</param>
/// <param name="Memory">Memory in use.</param>
public readonly record struct ReplayUsage(CpuCores? Cpu, MemorySize? Memory);
