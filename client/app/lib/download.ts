/** Saves `text` as a file the browser downloads, named `name`, of the media type `type`. */
export function downloadText(name: string, text: string, type: string): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const link = document.createElement("a");
  link.href = url;
  link.download = name;
  document.body.append(link);
  link.click();
  link.remove();
  // The browser has the blob once the click is handled; freeing it at once can cancel the download.
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
