export function App() {
  return (
    <main>
      <h1>OMERO uploader</h1>
    </main>
  );
}
