/** The PostgreSQL server the app runs against, from DATABASE_URL. */
export function databaseUrl(): string {
  const url = process.env.DATABASE_URL;
  if (url === undefined || url === '') throw new Error('DATABASE_URL is not set');
  return url;
}
