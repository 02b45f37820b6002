; Inno Setup 6 script: the Windows installer for Okno (per machine, for computer labs).
;
; Build on Windows after "pyinstaller --noconfirm build.spec" (which writes dist\okno):
;   iscc /DAppVersion=0.1.0 packaging\windows\okno.iss      -> dist\okno-0.1.0-setup.exe
;
; Lab preset: put okno.toml next to the setup .exe (or pass /PRESET="X:\path\okno.toml"); it is
; copied to %ProgramData%\Okno\okno.toml unless one is already there. Silent install for all
; PCs of a lab:  okno-0.1.0-setup.exe /VERYSILENT /SUPPRESSMSGBOXES /TASKS="nightsync"
;
; Uninstalling removes the program only: users' libraries (%LOCALAPPDATA%\okno), the machine
; settings and the shared library in %ProgramData%\Okno are kept.

#ifndef AppVersion
  #define AppVersion "0.1.0"
#endif
#define AppName "Okno"
#define AppExe "okno.exe"
#define SourceDir "..\..\dist\okno"

[Setup]
AppId={{6C1B4F7E-2A53-4C0E-9F0B-5B7A0C4E0D11}
AppName={#AppName}
AppVersion={#AppVersion}
AppVerName={#AppName} {#AppVersion}
AppPublisher=Okno
VersionInfoVersion={#AppVersion}
DefaultDirName={autopf}\Okno
DefaultGroupName=Okno
DisableProgramGroupPage=yes
PrivilegesRequired=admin
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
OutputDir=..\..\dist
OutputBaseFilename=okno-{#AppVersion}-setup
; written by build.spec into its work folder (default workpath build\build)
SetupIconFile=..\..\build\build\icons\okno.ico
UninstallDisplayIcon={app}\{#AppExe}
Compression=lzma2/max
SolidCompression=yes
WizardStyle=modern
ShowLanguageDialog=auto
CloseApplications=yes

[Languages]
Name: "russian"; MessagesFile: "compiler:Languages\Russian.isl"
Name: "english"; MessagesFile: "compiler:Default.isl"

[CustomMessages]
russian.DesktopIcon=Создать значок на рабочем столе
english.DesktopIcon=Create a desktop shortcut
russian.NightSync=Обновлять библиотеку каждую ночь (для компьютерного класса)
english.NightSync=Update the library every night (for a computer lab)
russian.AppComment=Библиотека электронных образовательных ресурсов
english.AppComment=Library of educational resources

[Tasks]
Name: "desktopicon"; Description: "{cm:DesktopIcon}"; Flags: unchecked
Name: "nightsync"; Description: "{cm:NightSync}"; Flags: unchecked

[Dirs]
; The shared data folder for "okno sync --machine": users may read it, the scheduled task
; (SYSTEM) writes it.
Name: "{commonappdata}\Okno"
Name: "{commonappdata}\Okno\data"

[Files]
Source: "{#SourceDir}\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs
; Optional lab preset: beside the installer, or named by /PRESET=...; never overwritten,
; never uninstalled.
Source: "{code:PresetSource}"; DestDir: "{commonappdata}\Okno"; DestName: "okno.toml"; \
  Flags: external skipifsourcedoesntexist onlyifdoesntexist uninsneveruninstall

[Icons]
Name: "{autoprograms}\Okno"; Filename: "{app}\{#AppExe}"; Parameters: "gui"; \
  Comment: "{cm:AppComment}"
Name: "{autodesktop}\Okno"; Filename: "{app}\{#AppExe}"; Parameters: "gui"; \
  Comment: "{cm:AppComment}"; Tasks: desktopicon

[Run]
; Night sync as SYSTEM at 02:30 (the time can be changed in Task Scheduler afterwards).
Filename: "{sys}\schtasks.exe"; \
  Parameters: "/Create /F /TN ""Okno\Night sync"" /SC DAILY /ST 02:30 /RU SYSTEM /RL LIMITED /TR ""\""{app}\{#AppExe}\"" sync --machine --quiet"""; \
  Flags: runhidden; Tasks: nightsync
Filename: "{app}\{#AppExe}"; Parameters: "gui"; Description: "{cm:LaunchProgram,Okno}"; \
  Flags: nowait postinstall skipifsilent

[UninstallRun]
Filename: "{sys}\schtasks.exe"; Parameters: "/Delete /F /TN ""Okno\Night sync"""; \
  Flags: runhidden; RunOnceId: "RemoveNightSync"

; No [UninstallDelete]: user data and %ProgramData%\Okno are deliberately left in place.

[Code]
function PresetSource(Param: String): String;
begin
  Result := ExpandConstant('{param:PRESET|}');
  if Result = '' then
    Result := ExpandConstant('{src}\okno.toml');
end;
