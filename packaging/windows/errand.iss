; Inno Setup 6 script for Errand on Windows (x64). Built by .github/workflows/installers.yml:
;   iscc /DAppVersion=0.1.0 /DSourceDir=build\pyinstaller-dist\errand /DOutputDir=dist packaging\windows\errand.iss
; SourceDir is PyInstaller's onedir output (errand.exe: the command line; ErrandApp.exe: the window,
; with no console). Installs per user by default (no administrator needed), or for all users.
; Output: dist\errand-<version>-windows-x64-setup.exe, with a Start-menu entry and an uninstaller.

#ifndef AppVersion
  #define AppVersion "0.0.0"
#endif
#ifndef SourceDir
  #define SourceDir "..\..\build\pyinstaller-dist\errand"
#endif
#ifndef IconFile
  #define IconFile "..\..\build\errand-pkg\errand.ico"
#endif
#ifndef OutputDir
  #define OutputDir "..\..\dist"
#endif

[Setup]
AppId={{8C0B3F4E-5E7A-4C1F-9E0B-2A9D6E7F1C3A}
AppName=Errand
AppVersion={#AppVersion}
AppVerName=Errand {#AppVersion}
AppPublisher=Errand
DefaultDirName={autopf}\Errand
DefaultGroupName=Errand
DisableProgramGroupPage=yes
PrivilegesRequired=lowest
PrivilegesRequiredOverridesAllowed=dialog
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
; Windows 10 1809 or later (the Qt 6 floor).
MinVersion=10.0.17763
OutputDir={#OutputDir}
OutputBaseFilename=errand-{#AppVersion}-windows-x64-setup
SetupIconFile={#IconFile}
UninstallDisplayIcon={app}\ErrandApp.exe
UninstallDisplayName=Errand
Compression=lzma2/fast
SolidCompression=yes
WizardStyle=modern
; Adds {app} to the user's PATH so `errand` works in a terminal (see [Registry]).
ChangesEnvironment=yes

[Languages]
Name: "english"; MessagesFile: "compiler:Default.isl"

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"; Flags: unchecked
Name: "addtopath"; Description: "Add the errand command to PATH"; GroupDescription: "Command line:"

[Files]
Source: "{#SourceDir}\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{group}\Errand"; Filename: "{app}\ErrandApp.exe"; Comment: "Chores in plain words: previewed, sandboxed and undoable"
Name: "{group}\Uninstall Errand"; Filename: "{uninstallexe}"
Name: "{autodesktop}\Errand"; Filename: "{app}\ErrandApp.exe"; Tasks: desktopicon

[Registry]
; Per-user PATH entry (HKCU works with and without administrator rights); removed on uninstall.
Root: HKCU; Subkey: "Environment"; ValueType: expandsz; ValueName: "Path"; ValueData: "{olddata};{app}"; \
  Check: NeedsAddPath(ExpandConstant('{app}')); Tasks: addtopath

[Run]
Filename: "{app}\ErrandApp.exe"; Description: "{cm:LaunchProgram,Errand}"; Flags: nowait postinstall skipifsilent

[Code]
function NeedsAddPath(Dir: string): Boolean;
var
  Paths: string;
begin
  if not RegQueryStringValue(HKCU, 'Environment', 'Path', Paths) then
    Paths := '';
  Result := Pos(';' + Uppercase(Dir) + ';', ';' + Uppercase(Paths) + ';') = 0;
end;

procedure CurUninstallStepChanged(CurUninstallStep: TUninstallStep);
var
  Paths, Dir: string;
  P: Integer;
begin
  if CurUninstallStep <> usPostUninstall then
    exit;
  if not RegQueryStringValue(HKCU, 'Environment', 'Path', Paths) then
    exit;
  Dir := ExpandConstant('{app}');
  P := Pos(';' + Uppercase(Dir), Uppercase(Paths));
  if P > 0 then
  begin
    Delete(Paths, P, Length(Dir) + 1);
    RegWriteExpandStringValue(HKCU, 'Environment', 'Path', Paths);
  end;
end;
