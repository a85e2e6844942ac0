import { EmptyState } from "@/components/ui";

export const metadata = { title: "Hosts" };

export default function HostsPage() {
  return (
    <>
      <h2 className="mb-4 text-lg font-semibold">Hosts</h2>
      <EmptyState title="No hosts yet">Register hosts by MAC address to provision them over PXE; they will be listed here.</EmptyState>
    </>
  );
}
