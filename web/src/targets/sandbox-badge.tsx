/** Marks everything that lives in the sandbox OMERO, so nobody mistakes it for the real server. */
export function SandboxBadge() {
  return (
    <span className="badge sandbox" title="The sandbox OMERO stands in for a real server">
      Sandbox OMERO
    </span>
  );
}
